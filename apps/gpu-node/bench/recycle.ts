// How long a node cannot serve while its runner is recycled (the cleanup that really returns
// memory), with and without a warm spare child, on the real OCR model. Prints the machine.
//   npm run -w @headroom/gpu-node bench:recycle -- [--rounds 5] [--providers cpu]
import os from "node:os";
import pino from "pino";
import { ocrSwitchesFromEnv } from "../src/ocr/switches.ts";
import { Runner } from "../src/runner/runner.ts";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] ?? fallback : fallback;
};
const rounds = Number(arg("rounds", "5"));
const providers = arg("providers", "cpu").split(",");
const log = pino({ level: "warn" });
const ocrSwitches = ocrSwitchesFromEnv(process.env); // as the agent passes them to its runners (env.ts)

async function measure(keepSpare: boolean): Promise<number[]> {
  const runner = new Runner({ config: { providers, ocrSwitches }, log, keepSpare });
  await runner.start();
  const out: number[] = [];
  for (let i = 0; i < rounds; i++) {
    await new Promise((r) => setTimeout(r, 3_000)); // let the spare warm up, as between jobs
    out.push((await runner.recycle()).unavailableMs);
  }
  await runner.stop();
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`machine: ${os.cpus()[0]?.model} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}; providers ${providers.join(",")}; ${rounds} recycles each`);
for (const keepSpare of [false, true]) {
  const ms = await measure(keepSpare);
  console.log(`${keepSpare ? "warm spare      " : "cold start (old)"}  median ${median(ms)} ms  all ${ms.join(", ")} ms`);
}

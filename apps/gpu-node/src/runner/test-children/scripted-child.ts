// A runner child for testing the supervisor only: it speaks the real child protocol (serveRunner)
// but its "engine" follows a script written in the input bytes, so tests can make it answer,
// crash, hang or fail on demand. OCR itself is tested in src/ocr with the real models.
import { existsSync, statSync } from "node:fs";
import type { TOcrResult } from "@headroom/protocol";
import { serveRunner } from "../child-loop.ts";
import type { TRunnerChildConfig } from "../ipc.ts";

class ScriptedInputError extends Error {}

const config = JSON.parse(process.argv[2] ?? "{}") as TRunnerChildConfig;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const result = (text: string): TOcrResult => ({ pages: [], text, model: "scripted", provider: "scripted", timingsMs: { totalMs: 0 } });

await serveRunner(
  async () => {
    if (config.providers.includes("fail")) {
      throw Object.assign(new Error("no execution provider could load the OCR models (fail: scripted)"), {
        providerNotes: [{ provider: "fail", ok: false, reason: "scripted" }],
      });
    }
    if (config.providers.includes("slowstart")) await sleep(300);
    return {
      providerNotes: [{ provider: "scripted", ok: true }],
      engine: {
        provider: "scripted",
        model: "scripted",
        async recognize(input: Buffer) {
          const cmd = input.toString("utf8");
          if (cmd === "crash") process.exit(3);
          if (cmd === "hang") return new Promise<TOcrResult>(() => {});
          if (cmd === "bad") throw new ScriptedInputError("not an image");
          if (cmd === "oom") throw new Error("Failed to allocate memory for requested buffer of size 1073741824");
          if (cmd === "boom") throw new Error("something else broke");
          if (cmd.startsWith("slow:")) await sleep(Number(cmd.slice(5)));
          // Runs until the test creates the file: a job that stays in flight exactly as long as a test needs.
          if (cmd.startsWith("gate:")) while (!existsSync(cmd.slice(5))) await sleep(20);
          if (cmd.startsWith("chardev:")) return result(String(statSync(cmd.slice(8)).isCharacterDevice()));
          return result(`${cmd} (pid ${process.pid})`);
        },
      },
    };
  },
  (e) => e instanceof ScriptedInputError,
);

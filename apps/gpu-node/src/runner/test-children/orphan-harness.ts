// Starts a Runner and prints the runner child's pid, then waits to be killed. The orphan test
// SIGKILLs this process and checks that the runner child exits by itself.
import { fileURLToPath } from "node:url";
import pino from "pino";
import { Runner } from "../runner.ts";

const runner = new Runner({
  config: { providers: ["scripted"] },
  log: pino({ level: "silent" }),
  childModulePath: fileURLToPath(new URL("./scripted-child.ts", import.meta.url)),
});
const ready = await runner.start();
process.stdout.write(`${ready.pid}\n`);
setInterval(() => {}, 60_000);

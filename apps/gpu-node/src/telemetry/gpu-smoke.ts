// Checks the nvidia-smi telemetry on a real GPU host: a PyTorch process stands in for the runner
// (it holds 1.5 GiB), and its per-process MiB must show up as processMiB. See README.md here for
// how to carry it to a GPU host that has no Node.js, and what it printed.
import { spawn } from "node:child_process";
import { DEFAULT_THRESHOLDS } from "@headroom/protocol";
import { admit } from "../rules/memory-rules.ts";
import { createMemoryReader, discoverGpus } from "./index.ts";

const gpus = await discoverGpus();
console.log("discoverGpus", JSON.stringify(gpus));
if (gpus.length === 0) process.exit(0);

const HOLD = "import torch,time\nx=torch.empty(int(1.5*2**30),dtype=torch.uint8,device='cuda');torch.cuda.synchronize();print('ready',flush=True);time.sleep(60)";
const py = spawn("python3", ["-c", HOLD], { stdio: ["ignore", "pipe", "inherit"] });
await new Promise((r) => py.stdout.once("data", r));
const reader = createMemoryReader({ gpuIndex: 0, cpuBudgetMiB: 0, runnerPids: () => (py.pid === undefined ? [] : [py.pid]) });
const during = await reader.read();
console.log("with a 1.5 GiB torch process as runner", JSON.stringify(during), JSON.stringify(admit(during, DEFAULT_THRESHOLDS)));
const t0 = performance.now();
for (let i = 0; i < 10; i++) await reader.read();
console.log("read() mean ms", ((performance.now() - t0) / 10).toFixed(1));
py.kill("SIGKILL");
await new Promise((r) => py.once("exit", r));
await new Promise((r) => setTimeout(r, 500));
console.log("after the runner process ended", JSON.stringify(await reader.read()));
reader.close?.();
const other = createMemoryReader({ gpuIndex: 3, cpuBudgetMiB: 0, runnerPids: () => [] });
console.log("index 3 on a 1-GPU host (a lone card is ours)", JSON.stringify(await other.read()));
other.close?.();

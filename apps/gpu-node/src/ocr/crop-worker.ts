// A crop-pool worker (crop-pool.ts): crops lines of a shared page and hands the tensors back without copying.
import { parentPort } from "node:worker_threads";
import { cropItems, type TCropTask } from "./crop-pool.ts";

parentPort!.on("message", (m: { id: number; task: TCropTask }) => {
  try {
    const tensors = cropItems(m.task);
    parentPort!.postMessage({ id: m.id, tensors }, tensors.map((t) => t.buffer as ArrayBuffer));
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) });
  }
});

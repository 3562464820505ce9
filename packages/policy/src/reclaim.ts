// Reclaim: should an idle node give back the memory its runner has grown, for a job that waits for
// headroom? ONNX Runtime keeps what a job grew until the runner process ends, and the cleanup rules
// fire only above their percentages, so an idle node can sit below them with too little headroom for
// a queued job, and nothing would ever free it. Pure: the node's reading and the smallest need in, a
// request (sent in the heartbeat answer) or null out.
import type { TReclaim, TThresholds } from "@headroom/protocol";
import { reclaimHeadroomMiB } from "./memory.ts";

export type TReclaimNode = {
  drained: boolean;
  /** Jobs placed on or running on the node: a busy node frees memory after them by its own rules. */
  inFlight: number;
  totalMiB: number;
  usedMiB: number;
  /** The runner's own MiB (GPU per-process list, or RSS on a CPU node); null when unknown. */
  processMiB: number | null;
  /**
   * usedMiB measured with a freshly loaded runner: at registration or right after the node's latest
   * cleanup or sweep; null when unknown. A recycle loads the model again, so it gives back only what
   * the runner grew since then, not all of processMiB.
   */
  freshUsedMiB: number | null;
  thresholds: TThresholds;
};

/** MiB a runner recycle would give back: what was used above the fresh runner's reading, at most the runner's own. */
export function reclaimableMiB(node: Pick<TReclaimNode, "usedMiB" | "processMiB" | "freshUsedMiB">): number {
  if (node.freshUsedMiB === null) return 0;
  const grown = Math.max(0, node.usedMiB - node.freshUsedMiB);
  return node.processMiB === null ? grown : Math.min(grown, node.processMiB);
}

/**
 * Ask the node to recycle its runner when it is idle and not drained, and the queued job needing
 * `neededMiB` does not fit its headroom now but would once the runner's growth is given back. A job
 * that fits already needs no recycle (the next tick places it); one that would not fit even then is
 * not worth a recycle. After a recycle the fresh reading is the new baseline, so a node is not asked
 * again until its runner grows again.
 */
export function reclaimFor(node: TReclaimNode, neededMiB: number | null): TReclaim | null {
  if (neededMiB === null || node.drained || node.inFlight > 0) return null;
  const headroomMiB = reclaimHeadroomMiB(node, node.thresholds);
  if (neededMiB <= headroomMiB) return null;
  const backMiB = reclaimableMiB(node);
  if (headroomMiB + backMiB < neededMiB) return null;
  return {
    neededMiB,
    reason: `a queued job needs ${neededMiB} MiB; this node has ${headroomMiB} MiB of headroom and its runner has grown by ${backMiB} MiB`,
  };
}

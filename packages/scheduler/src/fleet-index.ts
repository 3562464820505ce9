// The fleet in placement order, so a decision looks at a few nodes instead of all of them.
//
// `placeJob` scans every node for every job: O(n) per decision, about 2 ms at 1,000 nodes. Here the
// nodes that could take a job (online, not drained, below their concurrency limit) sit in one binary
// heap per prediction key, ordered as `placeJob` ranks them (most headroom, fewer in flight, smaller
// id). A decision walks each heap from the top in that order and stops at the first node with less
// headroom than the job's peak: no node below it can qualify, because every node after it has at
// most as much headroom. Reserving a job's peak on a node moves it down its heap (O(log n)), or out
// of it once the node is full. Nodes skipped on the way (an earlier attempt failed there, or a
// stricter admission rule) cost one step each; with the shipped thresholds there are none.
//
// Same inputs, same answer as `placeJob` (fleet-index.test.ts checks it on random fleets). What
// differs is the record: the counts by reason cover the states this index keeps (offline, drained,
// busy, failed here); the free nodes not listed are counted together (NOT_LISTED), since telling
// "less headroom" from "too little for this job" for each of them would need the full scan.
import {
  better,
  busyReason,
  effectiveLimitMiB,
  FAILED_HERE,
  MAX_RECORDED_CANDIDATES,
  memoryRejection,
  peakFor,
  waitReason,
  type TNodeFigures,
  type TPlacementJob,
  type TPlacementNode,
} from "@headroom/policy";
import type { THoldCandidate } from "./head-of-line.ts";

/** A node as the index takes it: the jobs in flight as a count and a sum, not a list. */
export type TIndexNode = Omit<TPlacementNode, "inFlightPeaksMiB"> & { inFlight: number; reservedMiB: number };

export function toIndexNode({ inFlightPeaksMiB, ...n }: TPlacementNode): TIndexNode {
  return { ...n, inFlight: inFlightPeaksMiB.length, reservedMiB: inFlightPeaksMiB.reduce((a, b) => a + b, 0) };
}

export const HELD = "held for an older job that needs its memory";
export const NOT_LISTED = "less headroom than the nodes listed, or too little for this job";

export type TIndexSummary = { candidates: TNodeFigures[]; candidateCount: number; rejectedCounts: Record<string, number> };

export type TIndexDecision =
  | { ok: true; nodeId: string; predictedPeakMiB: number; chosen: TNodeFigures; summary: TIndexSummary }
  | { ok: false; reason: string; predictedPeakMiB: number; headroomNeededMiB: number | null; summary: TIndexSummary };

type TEntry = { node: TIndexNode; f: TNodeFigures; group: string; pos: number };

function figures(n: TIndexNode): TNodeFigures {
  const limit = effectiveLimitMiB(n.totalMiB, n.thresholds);
  return { nodeId: n.id, name: n.name, effectiveLimitMiB: limit, usedMiB: n.usedMiB, reservedMiB: n.reservedMiB, headroomMiB: limit - n.usedMiB - n.reservedMiB, inFlight: n.inFlight };
}

/** A binary heap of entries, best first by `better`; each entry knows its position, so it can move or leave. */
class NodeHeap {
  private items: TEntry[] = [];

  get size(): number {
    return this.items.length;
  }

  push(e: TEntry): void {
    e.pos = this.items.length;
    this.items.push(e);
    this.up(e.pos);
  }

  remove(e: TEntry): void {
    const last = this.items.pop()!;
    if (last !== e) {
      this.items[e.pos] = last;
      last.pos = e.pos;
      this.update(last);
    }
    e.pos = -1;
  }

  update(e: TEntry): void {
    this.up(e.pos);
    this.down(e.pos);
  }

  /**
   * Entries in placement order without taking them out: a small frontier of heap positions whose
   * parents were already given; each step gives the frontier's best and adds its two children.
   * k steps cost O(k log k) whatever the heap's size. The heap must not change during the walk.
   */
  *ordered(): Generator<TEntry> {
    if (this.items.length === 0) return;
    const frontier = [0];
    while (frontier.length > 0) {
      let b = 0;
      for (let i = 1; i < frontier.length; i++) if (better(this.items[frontier[i]!]!.f, this.items[frontier[b]!]!.f)) b = i;
      const at = frontier[b]!;
      frontier[b] = frontier[frontier.length - 1]!;
      frontier.pop();
      yield this.items[at]!;
      for (const child of [2 * at + 1, 2 * at + 2]) if (child < this.items.length) frontier.push(child);
    }
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!better(this.items[i]!.f, this.items[parent]!.f)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      let top = i;
      for (const c of [2 * i + 1, 2 * i + 2]) if (c < this.items.length && better(this.items[c]!.f, this.items[top]!.f)) top = c;
      if (top === i) return;
      this.swap(i, top);
      i = top;
    }
  }

  private swap(a: number, b: number): void {
    const ea = this.items[a]!;
    const eb = this.items[b]!;
    this.items[a] = eb;
    this.items[b] = ea;
    ea.pos = b;
    eb.pos = a;
  }
}

export class FleetIndex {
  private readonly entries = new Map<string, TEntry>();
  /** Prediction key ("" for none) → the nodes of that key that could take a job now. */
  private readonly heaps = new Map<string, NodeHeap>();
  private online = 0;
  private active = 0;
  private busy = 0;
  /** Nodes withheld for the head of the queue this tick (head-of-line.ts): out of their heap, not busy. */
  private readonly held = new Set<string>();

  constructor(nodes: readonly TIndexNode[]) {
    for (const node of nodes) {
      const e: TEntry = { node: { ...node }, f: figures(node), group: node.predictionKey || "", pos: -1 };
      this.entries.set(node.id, e);
      if (!node.online) continue;
      this.online++;
      if (node.drained) continue;
      this.active++;
      if (node.inFlight >= node.maxConcurrent) this.busy++;
      else this.heap(e.group).push(e);
    }
  }

  place(job: TPlacementJob): TIndexDecision {
    const avoid = new Set(job.avoidNodeIds ?? []);
    const avoidedActive = [...avoid].filter((id) => this.isActive(id));
    // As in placeJob: the nodes where an attempt failed are avoided only while another node is active.
    const elsewhere = this.active > avoidedActive.length;
    const skipped = (e: TEntry) => elsewhere && avoid.has(e.node.id);
    let best: TEntry | null = null;
    let bestPeakMiB = job.predictedPeakMiB;
    const eligible: TNodeFigures[] = [];
    for (const [group, heap] of this.heaps) {
      const peakMiB = peakFor(job, { predictionKey: group || null });
      let found = 0;
      for (const e of heap.ordered()) {
        if (e.f.headroomMiB < peakMiB) break;
        if (skipped(e) || memoryRejection(e.node, e.f, peakMiB) !== undefined) continue;
        if (found === 0 && (best === null || better(e.f, best.f))) {
          best = e;
          bestPeakMiB = peakMiB;
        }
        eligible.push(e.f);
        if (++found >= MAX_RECORDED_CANDIDATES) break;
      }
    }
    const failedHere = elsewhere ? avoidedActive.length : 0;
    const busyNotAvoided = this.busy - (elsewhere ? avoidedActive.filter((id) => this.entries.get(id)!.pos < 0 && !this.held.has(id)).length : 0);
    const rejectedCounts: Record<string, number> = {};
    const count = (key: string, n: number) => void (n > 0 && (rejectedCounts[key] = n));
    count("offline", this.entries.size - this.online);
    count("drained", this.online - this.active);
    count(FAILED_HERE, failedHere);
    count(busyReason(0).replace("0", "N"), busyNotAvoided);
    count(HELD, [...this.held].filter((id) => !(elsewhere && avoid.has(id))).length);
    const candidates = eligible.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0)).slice(0, MAX_RECORDED_CANDIDATES);
    // The free nodes the walk did not list: all had less headroom than those listed, or too little for
    // this job. Which of the two would take the full scan; the record says both, so every node is counted.
    const counted = candidates.length + Object.values(rejectedCounts).reduce((a, b) => a + b, 0);
    count(NOT_LISTED, this.entries.size - counted);
    const summary: TIndexSummary = { candidates, candidateCount: this.entries.size, rejectedCounts };
    if (best !== null) return { ok: true, nodeId: best.node.id, predictedPeakMiB: bestPeakMiB, chosen: { ...best.f }, summary };

    // Nobody qualified: every free node (in a heap, not skipped) turned the job down for memory.
    let headroomNeededMiB: number | null = null;
    let bestFreeHeadroomMiB = -Infinity;
    let free = 0;
    for (const [group, heap] of this.heaps) {
      const skippedHere = elsewhere ? avoidedActive.filter((id) => this.entries.get(id)!.group === group && this.entries.get(id)!.pos >= 0).length : 0;
      if (heap.size === skippedHere) continue;
      free += heap.size - skippedHere;
      const peakMiB = peakFor(job, { predictionKey: group || null });
      headroomNeededMiB = Math.min(headroomNeededMiB ?? peakMiB, peakMiB);
      for (const e of heap.ordered()) {
        if (skipped(e)) continue;
        bestFreeHeadroomMiB = Math.max(bestFreeHeadroomMiB, e.f.headroomMiB);
        break;
      }
    }
    const reason = waitReason({ registered: this.entries.size, online: this.online, active: this.active, free, failedHere, bestFreeHeadroomMiB }, job.predictedPeakMiB);
    return { ok: false, reason, predictedPeakMiB: job.predictedPeakMiB, headroomNeededMiB, summary };
  }

  /** A job of `peakMiB` now runs or waits on the node: its headroom shrinks, and it may become full. */
  reserve(nodeId: string, peakMiB: number): void {
    const e = this.entries.get(nodeId);
    if (!e) return;
    e.node.inFlight++;
    e.node.reservedMiB += peakMiB;
    e.f = figures(e.node);
    if (e.pos < 0) return;
    const heap = this.heap(e.group);
    if (e.node.inFlight >= e.node.maxConcurrent) {
      heap.remove(e);
      this.busy++;
    } else heap.update(e);
  }

  /**
   * Takes a node out of placement for the rest of this index's life (one tick): held for the job at
   * the head of the queue (head-of-line.ts). A busy node simply stays out.
   */
  withhold(nodeId: string): void {
    const e = this.entries.get(nodeId);
    if (!e || this.held.has(nodeId) || e.pos < 0) return;
    this.heap(e.group).remove(e);
    this.held.add(nodeId);
  }

  /** The active nodes the job has not failed on, with what a hold needs to know of each (head-of-line.ts). */
  holdCandidates(job: TPlacementJob): THoldCandidate[] {
    const avoid = new Set(job.avoidNodeIds ?? []);
    const out: THoldCandidate[] = [];
    for (const e of this.entries.values()) {
      if (!e.node.online || e.node.drained || avoid.has(e.node.id)) continue;
      const peakMiB = peakFor(job, { predictionKey: e.group || null });
      const idle = { usedMiB: e.f.usedMiB, reservedMiB: 0, headroomMiB: e.f.headroomMiB + e.f.reservedMiB };
      out.push({ nodeId: e.node.id, peakMiB, headroomMiB: e.f.headroomMiB, reservedMiB: e.f.reservedMiB, inFlight: e.f.inFlight, fitsWhenIdle: memoryRejection(e.node, idle, peakMiB) === undefined });
    }
    return out;
  }

  /** The node's figures as the index holds them now. */
  figures(nodeId: string): TNodeFigures | undefined {
    const e = this.entries.get(nodeId);
    return e && { ...e.f };
  }

  private isActive(id: string): boolean {
    const e = this.entries.get(id);
    return e !== undefined && e.node.online && !e.node.drained;
  }

  private heap(group: string): NodeHeap {
    let h = this.heaps.get(group);
    if (!h) this.heaps.set(group, (h = new NodeHeap()));
    return h;
  }
}

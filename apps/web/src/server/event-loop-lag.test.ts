// The lag monitor against the real event loop: near nothing while idle, the blocking's length while
// the loop is held in 100 ms spells, and a figure only once a whole window has closed.
import { afterEach, expect, it } from "vitest";
import { EventLoopLag, LAG_WINDOW_MS } from "./event-loop-lag";
import { holdEventLoop } from "./test-support";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let lag: EventLoopLag | null = null;
afterEach(() => lag?.stop());

it("reads near zero while idle and about the spells' length while the loop is held", async () => {
  lag = new EventLoopLag();
  await sleep(LAG_WINDOW_MS + 100);
  const idle = lag.meanMs();
  expect(idle).toBeLessThan(30);
  await holdEventLoop(LAG_WINDOW_MS + 100);
  const held = lag.meanMs();
  expect(held).toBeGreaterThan(50);
  // The window that just closed stays the answer until the next one closes.
  expect(lag.meanMs()).toBe(held);
  await sleep(LAG_WINDOW_MS + 100);
  expect(lag.meanMs()).toBeLessThan(30);
});

// The scheduler's and the agent's pure policy: decisions over plain data, no database, no I/O.
export * from "./memory.ts";
export * from "./placement.ts";
export * from "./reclaim.ts";
export * from "./prediction.ts";
export * from "./backoff.ts";
export * from "./thresholds.ts";

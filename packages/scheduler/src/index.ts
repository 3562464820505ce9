export * from "./placement.ts";
export * from "./prediction.ts";
export * from "./backoff.ts";
export * from "./thresholds.ts";
export * from "./claim.ts";
export * from "./lifecycle.ts";
export * from "./tick.ts";
export * from "./history.ts";

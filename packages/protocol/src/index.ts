export * from "./errors.ts";
export * from "./ocr.ts";
export * from "./thresholds.ts";
export * from "./agent.ts";
export * from "./retention.ts";
export * from "./ids.ts";

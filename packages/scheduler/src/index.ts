export * from "./store/claim.ts";
export * from "./store/lifecycle.ts";
export * from "./store/deregister.ts";
export * from "./tick.ts";
export * from "./history.ts";
export * from "./notify.ts";
export * from "./fleet-index.ts";
export * from "./plan.ts";

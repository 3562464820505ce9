import pino from "pino";
import { env } from "./env.ts";

let root: pino.Logger | undefined;
/** Structured logs, as the web app and the agents write them (pino, one JSON line each). */
export function logger(): pino.Logger {
  root ??= pino({ level: env().LOG_LEVEL, base: { service: "scheduler" } });
  return root;
}

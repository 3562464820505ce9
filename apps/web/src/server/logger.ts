import pino from "pino";
import { env } from "@/env";

let root: pino.Logger | undefined;
/** Structured logs. Children carry requestId, nodeId and jobId; never secrets or file contents. */
export function logger(): pino.Logger {
  root ??= pino({ level: env().LOG_LEVEL, base: { service: "web" } });
  return root;
}

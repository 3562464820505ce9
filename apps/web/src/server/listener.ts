// The control plane's one LISTEN connection (see @headroom/db/listener), shared by every claim
// long-poll in this process.
import { PgListener } from "@headroom/db/listener";
import { env } from "@/env";
import { logger } from "./logger";

const holder = globalThis as unknown as { headroomListener?: PgListener };

export function listener(): PgListener {
  holder.headroomListener ??= new PgListener(env().DATABASE_URL, (err) => logger().warn({ err }, "queue listener lost its connection; retrying"));
  return holder.headroomListener;
}

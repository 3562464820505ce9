// tRPC over the fetch adapter, for the UI.
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { authenticate } from "@/server/auth";
import { appRouter } from "@/server/trpc/root";
import { createTRPCContext } from "@/server/trpc/trpc";
import { appErrorOf } from "@/server/trpc/to-trpc-error";
import { logger } from "@/server/logger";

export const dynamic = "force-dynamic";

function handler(req: Request): Promise<Response> {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: async () => createTRPCContext({ req, principal: await authenticate(req) }),
    onError({ error, path, ctx }) {
      // Expected failures (AppError, bad input) are the client's business; the rest are ours.
      if (appErrorOf(error) || error.code !== "INTERNAL_SERVER_ERROR") return;
      logger().error({ err: error.cause ?? error, path, requestId: ctx?.requestId }, "tRPC procedure failed");
    },
  });
}

export { handler as GET, handler as POST };

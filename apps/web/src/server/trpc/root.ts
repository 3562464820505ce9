// The UI's API: one router per noun.
import { createCallerFactory, createTRPCRouter } from "./trpc";
import { jobRouter } from "./router/job";
import { nodeRouter } from "./router/node";

export const appRouter = createTRPCRouter({
  job: jobRouter,
  node: nodeRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side calls without HTTP (server components, tests). */
export const createCaller = createCallerFactory(appRouter);

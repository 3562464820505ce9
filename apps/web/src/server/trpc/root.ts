// The UI's API: one router per noun.
import { createCallerFactory, createTRPCRouter } from "./trpc";
import { jobRouter } from "./router/job";
import { nodeRouter } from "./router/node";
import { settingsRouter } from "./router/settings";
import { apiKeyRouter } from "./router/apikey";
import { userRouter } from "./router/user";

export const appRouter = createTRPCRouter({
  job: jobRouter,
  node: nodeRouter,
  settings: settingsRouter,
  apiKey: apiKeyRouter,
  user: userRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side calls without HTTP (server components, tests). */
export const createCaller = createCallerFactory(appRouter);

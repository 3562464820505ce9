// What tRPC procedures return once serialised, for typing client components' props.
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/trpc/root";

export type TRouterInputs = inferRouterInputs<AppRouter>;
export type TRouterOutputs = inferRouterOutputs<AppRouter>;
export type TNodeListItem = TRouterOutputs["node"]["list"]["nodes"][number];
export type TJobDetail = TRouterOutputs["job"]["byId"];

"use client";
// tRPC + TanStack Query for client components: `const trpc = useTRPC()` then
// `useQuery(trpc.job.byId.queryOptions({ id }))`.
import { QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { useEffect, useState, type ReactNode } from "react";
import type { AppRouter } from "@/server/trpc/root";

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

/** The AppError code behind a failed call, e.g. "NOT_FOUND", or null. */
export function errorCodeOf(err: unknown): string | null {
  if (err instanceof TRPCClientError) {
    const data = err.data as { appCode?: string | null; code?: string } | undefined;
    return data?.appCode ?? data?.code ?? null;
  }
  return null;
}

function isUnauthenticated(err: unknown): boolean {
  return err instanceof TRPCClientError && (err.data as { code?: string } | undefined)?.code === "UNAUTHORIZED";
}

function makeQueryClient(): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({
      // The session ended (expired, signed out in another tab): back to sign-in, then back here.
      onError(err) {
        if (isUnauthenticated(err) && typeof window !== "undefined" && window.location.pathname !== "/login") {
          window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
        }
      },
    }),
    defaultOptions: {
      queries: {
        staleTime: 1_000,
        // 4xx answers will not change on retry; network blips and 5xx might.
        retry: (count, err) => {
          const status = err instanceof TRPCClientError ? (err.data as { httpStatus?: number } | undefined)?.httpStatus : undefined;
          if (status !== undefined && status >= 400 && status < 500) return false;
          return count < 2;
        },
      },
    },
  });
}

export function TRPCReactProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: "/api/trpc" })] }),
  );
  // Marks the page interactive, so browser tests act only once React handles input.
  useEffect(() => {
    document.documentElement.dataset.hydrated = "true";
  }, []);
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}

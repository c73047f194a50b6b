import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import type { AppRouter } from "../routers/app.router.ts";
import { FetchEventSource } from "./fetch-event-source.ts";

export interface PortalClientOptions {
  /** The tRPC endpoint, e.g. http://localhost:4000/trpc */
  url: string;
  /** The Bearer JWT, or a function that returns a fresh one per request. */
  token: string | (() => string | Promise<string>);
}

/**
 * The portal's typed client: queries and mutations batched over HTTP, `counts.onChange` over SSE
 * (fetch-based EventSource, so the Authorization header travels and it runs in Node too).
 */
export function createPortalClient(options: PortalClientOptions) {
  const tokenOf = async () => (typeof options.token === "function" ? await options.token() : options.token);
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({
          url: options.url,
          EventSource: FetchEventSource,
          eventSourceOptions: async () => ({ headers: { authorization: `Bearer ${await tokenOf()}` } }),
        }),
        false: httpBatchLink({
          url: options.url,
          headers: async () => ({ authorization: `Bearer ${await tokenOf()}` }),
        }),
      }),
    ],
  });
}

export type PortalClient = ReturnType<typeof createPortalClient>;

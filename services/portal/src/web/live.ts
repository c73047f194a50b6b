import { useEffect, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import type { PortalClient } from "@honorarium/query-api";

/** Query keys whose answers a committed count can change. */
const LIVE_KEYS = ["counts.", "milestones.", "statements.", "records.", "notifications."];

/**
 * counts.onChange over SSE (httpSubscriptionLink): every committed count invalidates the screens that
 * show counts, so an open dashboard or count screen refetches without a reload.
 */
export function useLiveUpdates(api: PortalClient): "connecting" | "live" {
  const queryClient = useQueryClient();
  const [state, setState] = useState<"connecting" | "live">("connecting");
  useEffect(() => {
    const subscription = api.counts.onChange.subscribe(
      {},
      {
        onStarted: () => setState("live"),
        onData: () => {
          void queryClient.invalidateQueries({
            predicate: (query) => {
              const head = query.queryKey[0];
              return typeof head === "string" && LIVE_KEYS.some((prefix) => head.startsWith(prefix));
            },
          });
        },
        onError: () => setState("connecting"),
        onConnectionStateChange: (event) => setState(event.state === "pending" ? "live" : "connecting"),
      },
    );
    return () => subscription.unsubscribe();
  }, [api, queryClient]);
  return state;
}

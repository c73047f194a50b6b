import { useEffect, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import type { PortalClient } from "@honorarium/query-api";

/** Query keys whose answers a committed count can change. */
const COUNT_KEYS = ["counts.", "milestones.", "statements.", "records.", "notifications."];

/** Query keys each kind of activity (activity.onChange) can change; `subscribed`: all, after a (re)connect. */
const ACTIVITY_KEYS: Record<"feed" | "payment" | "config" | "subscribed", readonly string[]> = {
  feed: ["notifications."],
  payment: ["counts.", "milestones.", "statements.", "records.", "payouts.", "payments."],
  config: ["configs.", "organizations.", "counts.", "milestones.", "statements."],
  subscribed: [
    "notifications.",
    "counts.",
    "milestones.",
    "statements.",
    "records.",
    "payouts.",
    "payments.",
    "configs.",
    "organizations.",
  ],
};

/** A burst (a payout batch moves 2,000 records) refetches once. */
const COALESCE_MS = 250;

type State = "connecting" | "live";

/**
 * Live screens over SSE (httpSubscriptionLink): counts.onChange for committed counts, and
 * activity.onChange for the feed, payment statuses and configuration. Each event invalidates the
 * screens it can change, so an open page refetches without a reload.
 */
export function useLiveUpdates(api: PortalClient): State {
  const queryClient = useQueryClient();
  const [counts, setCounts] = useState<State>("connecting");
  const [activity, setActivity] = useState<State>("connecting");
  useEffect(() => {
    const pending = new Set<string>();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const invalidate = (prefixes: readonly string[]) => {
      for (const prefix of prefixes) pending.add(prefix);
      timer ??= setTimeout(() => {
        timer = undefined;
        const heads = [...pending];
        pending.clear();
        void queryClient.invalidateQueries({
          predicate: (query) => {
            const head = query.queryKey[0];
            return typeof head === "string" && heads.some((prefix) => head.startsWith(prefix));
          },
        });
      }, COALESCE_MS);
    };
    const handlers = (setState: (state: State) => void) => ({
      onStarted: () => setState("live"),
      onError: () => setState("connecting"),
      onConnectionStateChange: (event: { state: string }) => setState(event.state === "pending" ? "live" : "connecting"),
    });
    const countsSubscription = api.counts.onChange.subscribe({}, { ...handlers(setCounts), onData: () => invalidate(COUNT_KEYS) });
    const activitySubscription = api.activity.onChange.subscribe(
      {},
      { ...handlers(setActivity), onData: (event) => invalidate(ACTIVITY_KEYS[event.kind]) },
    );
    return () => {
      clearTimeout(timer);
      countsSubscription.unsubscribe();
      activitySubscription.unsubscribe();
    };
  }, [api, queryClient]);
  return counts === "live" && activity === "live" ? "live" : "connecting";
}

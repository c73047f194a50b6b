import { Counter, Histogram, type Registry } from "prom-client";

export interface ApiMetrics {
  requestDuration: Histogram<"procedure" | "type" | "code">;
  cacheResults: Counter<"outcome">;
  rateLimited: Counter;
  liveSubscriptions: Counter<"event">;
}

export function createApiMetrics(registry: Registry): ApiMetrics {
  return {
    requestDuration: new Histogram({
      name: "query_api_request_duration_seconds",
      help: "tRPC procedure latency by procedure, type and result code",
      labelNames: ["procedure", "type", "code"],
      buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    cacheResults: new Counter({
      name: "query_api_cache_results_total",
      help: "Read-cache lookups by outcome (hit, miss, bypass when Redis is unavailable)",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: "query_api_rate_limited_total",
      help: "Requests refused by the per-user rate limit",
      registers: [registry],
    }),
    liveSubscriptions: new Counter({
      name: "query_api_live_subscription_events_total",
      help: "Live subscriptions (counts.onChange, activity.onChange) opened, events sent, and streams ended for falling behind their client (overflowed)",
      labelNames: ["event"],
      registers: [registry],
    }),
  };
}

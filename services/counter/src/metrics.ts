import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export interface CounterMetrics {
  registry: Registry;
  /** Events by outcome: counted, duplicate, cancelled, tombstoned, suppressed, rejected. */
  events: Counter<"topic" | "outcome">;
  deadLetters: Counter<"topic" | "code">;
  /** Messages below the stored offset (already applied before a crash or rebalance). */
  skipped: Counter<"topic">;
  seeks: Counter<"topic">;
  batchSize: Histogram<"topic">;
  batchSeconds: Histogram<"topic">;
  lag: Gauge<"topic" | "partition">;
  outboxBacklog: Gauge;
  outboxPublished: Counter<"kind">;
  /** Outbox rows not published because of the row itself (too large, topic missing). */
  outboxPublishFailures: Counter<"kind">;
  /** Outbox rows parked after the maximum publish attempts (need a person). */
  outboxParked: Counter<"kind">;
  liveUpdateFailures: Counter;
}

export function createCounterMetrics(registry: Registry): CounterMetrics {
  return {
    registry,
    events: new Counter({
      name: "counter_events_total",
      help: "Assignment events by outcome",
      labelNames: ["topic", "outcome"],
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: "counter_dead_letters_total",
      help: "Messages sent to the dead-letter topic",
      labelNames: ["topic", "code"],
      registers: [registry],
    }),
    skipped: new Counter({
      name: "counter_already_applied_total",
      help: "Redelivered messages below the stored offset",
      labelNames: ["topic"],
      registers: [registry],
    }),
    seeks: new Counter({
      name: "counter_seeks_total",
      help: "Batches that started above the stored offset",
      labelNames: ["topic"],
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: "counter_batch_size",
      help: "Messages per applied partition batch",
      labelNames: ["topic"],
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: "counter_batch_duration_seconds",
      help: "Time to apply and commit one partition batch",
      labelNames: ["topic"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    lag: new Gauge({
      name: "counter_consumer_lag",
      help: "Messages behind the high watermark after the last batch",
      labelNames: ["topic", "partition"],
      registers: [registry],
    }),
    outboxBacklog: new Gauge({ name: "counter_outbox_backlog", help: "Outbox rows not yet published", registers: [registry] }),
    outboxPublishFailures: new Counter({
      name: "counter_outbox_publish_failures_total",
      help: "Outbox rows not published because of the row itself (too large, topic missing)",
      labelNames: ["kind"],
      registers: [registry],
    }),
    outboxParked: new Counter({
      name: "counter_outbox_parked_total",
      help: "Outbox rows parked after the maximum publish attempts",
      labelNames: ["kind"],
      registers: [registry],
    }),
    outboxPublished: new Counter({
      name: "counter_outbox_published_total",
      help: "Outbox rows published",
      labelNames: ["kind"],
      registers: [registry],
    }),
    liveUpdateFailures: new Counter({
      name: "counter_live_update_failures_total",
      help: "Live updates not published (Redis unavailable)",
      registers: [registry],
    }),
  };
}

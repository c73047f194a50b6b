import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export const SLOW_DELIVERY_SECONDS = 60;

export interface NotifierMetrics {
  /** End-to-end latency of a delivered job: source recorded_at → delivered_at. */
  observeDelivered(channel: string, kind: string, sourceRecordedAt: Date | null, deliveredAt: Date | null): void;
  sends: Counter<"channel" | "outcome">;
  deadLetters: Counter;
  eventsIngested: Counter;
  ingestBatchSeconds: Histogram;
  consumerLag: Gauge<"partition">;
  remindersCreated: Counter;
  reminderPasses: Counter<"role">;
}

/** Registers the notifier's metrics; `depth` feeds the queue gauges on every scrape. */
export function createNotifierMetrics(registry: Registry, depth: () => Promise<{ pending: number; retrying: number }>): NotifierMetrics {
  const latency = new Histogram({
    name: "notifier_delivery_latency_seconds",
    help: "End-to-end latency from the crossing's recorded_at to delivery, by channel",
    labelNames: ["channel", "kind"],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900],
    registers: [registry],
  });
  const slow = new Counter({
    name: "notifier_deliveries_over_60s_total",
    help: "Deliveries that took longer than the 60-second promise of spec 001",
    labelNames: ["channel"],
    registers: [registry],
  });
  let lastDepth: Promise<{ pending: number; retrying: number }> | undefined;
  // Both gauges share one query per scrape.
  const sharedDepth = () => {
    lastDepth ??= depth().finally(() => {
      setTimeout(() => {
        lastDepth = undefined;
      }, 100);
    });
    return lastDepth;
  };
  new Gauge({
    name: "notifier_jobs_pending",
    help: "Notification jobs waiting to be sent (first attempts and retries)",
    registers: [registry],
    async collect() {
      this.set((await sharedDepth()).pending);
    },
  });
  new Gauge({
    name: "notifier_retry_queue_depth",
    help: "Pending notification jobs that have failed at least once and wait for a retry",
    registers: [registry],
    async collect() {
      this.set((await sharedDepth()).retrying);
    },
  });
  return {
    observeDelivered(channel, kind, sourceRecordedAt, deliveredAt) {
      if (sourceRecordedAt === null || deliveredAt === null) return;
      const seconds = Math.max(0, (deliveredAt.getTime() - sourceRecordedAt.getTime()) / 1000);
      latency.observe({ channel, kind }, seconds);
      if (seconds > SLOW_DELIVERY_SECONDS) slow.inc({ channel });
    },
    sends: new Counter({
      name: "notifier_sends_total",
      help: "Send attempts by channel and outcome (delivered, retryable_error, permanent_error, skipped)",
      labelNames: ["channel", "outcome"],
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: "notifier_dead_letters_total",
      help: "Invalid input events sent to the dead-letter topic",
      registers: [registry],
    }),
    eventsIngested: new Counter({
      name: "notifier_events_ingested_total",
      help: "Valid threshold-crossed events applied",
      registers: [registry],
    }),
    ingestBatchSeconds: new Histogram({
      name: "notifier_ingest_batch_seconds",
      help: "Time to apply one consumed batch (one partition, one transaction)",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    consumerLag: new Gauge({
      name: "notifier_consumer_lag",
      help: "Messages behind the partition's high watermark after the last applied batch",
      labelNames: ["partition"],
      registers: [registry],
    }),
    remindersCreated: new Counter({
      name: "notifier_reminders_total",
      help: "Delivery reminders created (spec 004)",
      registers: [registry],
    }),
    reminderPasses: new Counter({
      name: "notifier_reminder_passes_total",
      help: "Reminder scheduler ticks, by whether this instance led (leader), stood by (follower) or ran without Redis (no_lock)",
      labelNames: ["role"],
      registers: [registry],
    }),
  };
}

import type { Redis } from "ioredis";
import {
  COUNTS_CHANGED_STREAM_FIELD,
  COUNTS_CHANGED_STREAM_MAXLEN,
  type CountsChanged,
  liveUpdatesKeys,
} from "@honorarium/shared/contracts";
import type { Logger } from "@honorarium/shared";
import type { MentorChange } from "../../domain/counting-plan.ts";
import type { CounterMetrics } from "../../metrics.ts";

/** Batches waiting for Redis beyond this are dropped (and counted): Redis must never hold counting back. */
const MAX_QUEUED_BATCHES = 100;

export interface LiveUpdatesPublisher {
  /** Queues the changes of one committed batch; returns at once (published in commit order). */
  publish(changes: readonly MentorChange[]): Promise<void>;
  /** Waits for what is queued (at shutdown). */
  flush(): Promise<void>;
}

/**
 * Live count updates after each commit (shared/src/contracts/live-updates.ts): XADD to the
 * capped stream, then PUBLISH with the entry id. Best effort: a failure is logged and counted.
 * Published off the batch's critical path, in order. `keyPrefix` keeps concurrent test runs on
 * one Redis apart (LIVE_UPDATES_PREFIX); production leaves it empty.
 */
export function createLiveUpdatesPublisher(redis: Redis, logger: Logger, metrics: CounterMetrics, keyPrefix = ""): LiveUpdatesPublisher {
  const { stream, channel } = liveUpdatesKeys(keyPrefix);
  let chain: Promise<void> = Promise.resolve();
  let queued = 0;
  return {
    async publish(changes) {
      if (changes.length === 0) return;
      if (queued >= MAX_QUEUED_BATCHES) {
        metrics.liveUpdateFailures.inc(changes.length);
        return;
      }
      queued++;
      chain = chain
        .then(() => publishNow(changes))
        .finally(() => {
          queued--;
        });
    },
    flush: () => chain,
  };

  async function publishNow(changes: readonly MentorChange[]): Promise<void> {
    if (changes.length === 0) return;
    if (redis.status !== "ready") {
      metrics.liveUpdateFailures.inc(changes.length);
      return;
    }
    try {
      const at = new Date().toISOString();
      const messages: CountsChanged[] = changes.map((change) => ({ ...change, at }));
      const appended = redis.pipeline();
      for (const message of messages) {
        appended.xadd(stream, "MAXLEN", "~", COUNTS_CHANGED_STREAM_MAXLEN, "*", COUNTS_CHANGED_STREAM_FIELD, JSON.stringify(message));
      }
      const ids = (await appended.exec()) ?? [];
      const published = redis.pipeline();
      messages.forEach((message, i) => {
        const [error, id] = ids[i] ?? [null, undefined];
        const withId: CountsChanged = error === null && typeof id === "string" ? { id, ...message } : message;
        published.publish(channel, JSON.stringify(withId));
      });
      await published.exec();
    } catch (error) {
      metrics.liveUpdateFailures.inc(changes.length);
      logger.warn({ err: error instanceof Error ? error.message : String(error) }, "live update not published");
    }
  }
}

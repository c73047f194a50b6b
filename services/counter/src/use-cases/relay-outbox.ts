import { PG_CHANNELS, type Knex } from "@honorarium/shared/db";
import type { Logger } from "@honorarium/shared";
import { createPgListener, createWorkerLoop } from "@honorarium/shared/infra";
import type { CounterMetrics } from "../metrics.ts";
import { claimOutboxEntries, markOutboxPublished, outboxBacklog, recordOutboxFailures } from "../adapters/postgres/outbox.ts";
import type { OutboxPublisher } from "./outbox-publisher.ts";

export interface OutboxRelayOptions {
  db: Knex;
  databaseUrl: string;
  publisher: OutboxPublisher;
  batchSize: number;
  pollMs: number;
  /** Failed publishes before a row is parked: left in the outbox, no longer claimed. */
  maxAttempts: number;
  metrics: CounterMetrics;
  logger: Logger;
}

export interface OutboxRelay {
  start(): Promise<void>;
  /** Publishes what is left (bounded), then closes the publisher and the listener. */
  stop(): Promise<void>;
  /** Publishes until no row is left to claim; returns the number of rows published. */
  drain(): Promise<number>;
}

interface Pass {
  claimed: number;
  published: number;
  outage: Error | null;
}

const STOP_FLUSH_MS = 10_000;

/**
 * The transactional outbox's relay pass: claim rows in id order (SKIP LOCKED), publish them
 * (the publisher splits, isolates refused records and tells an outage from a bad row), then mark
 * them published, all in one transaction that holds the rows. A crash between send and mark
 * re-sends the same eventId later, which consumers dedupe. A row the broker keeps refusing gets
 * `publish_attempts` and `last_error`, and after `maxAttempts` it is parked (`parked_at`, logged at
 * error level). Woken by NOTIFY on outbox inserts, polling as a fallback (shared worker loop).
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, logger, metrics, publisher } = options;

  async function relayPass(): Promise<Pass> {
    const pass = await db.transaction(async (trx) => {
      const entries = await claimOutboxEntries(trx, options.batchSize);
      const outcome = await publisher.publish(entries);
      await markOutboxPublished(
        trx,
        outcome.published.map((entry) => entry.id),
      );
      const failed = await recordOutboxFailures(
        trx,
        outcome.failures.map((failure) => ({ id: failure.entry.id, error: failure.error, counts: failure.counts })),
        options.maxAttempts,
      );
      return { claimed: entries.length, outcome, parked: failed.filter((row) => row.parked) };
    });

    // Recorded after the commit, so a rolled-back pass is not counted.
    const { outcome, parked } = pass;
    for (const entry of outcome.published) metrics.outboxPublished.inc({ kind: entry.kind });
    for (const failure of outcome.failures) if (failure.counts) metrics.outboxPublishFailures.inc({ kind: failure.entry.kind });
    const notParked = outcome.failures.filter((failure) => failure.counts && !parked.some((row) => row.id === failure.entry.id));
    if (notParked.length > 0) {
      logger.warn(
        { ids: notParked.map((failure) => failure.entry.id), err: notParked[0]?.error },
        "outbox rows not published; the rows behind them went on",
      );
    }
    for (const row of parked) {
      metrics.outboxParked.inc({ kind: row.kind });
      logger.error(
        { outboxId: row.id, kind: row.kind, topic: row.topic, attempts: row.publish_attempts, err: row.last_error },
        "outbox row parked: not published after the maximum attempts; set parked_at = null to retry it",
      );
    }
    return { claimed: pass.claimed, published: outcome.published.length, outage: outcome.outage };
  }

  async function drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const pass = await relayPass();
      total += pass.published;
      if (pass.outage !== null) throw pass.outage;
      if (pass.claimed < options.batchSize) return total;
    }
  }

  let lastPoll = 0;
  const loop = createWorkerLoop({
    idleMs: options.pollMs,
    backoff: { initialMs: 400, maxMs: 5000 },
    pass: async () => {
      await drain();
      if (Date.now() - lastPoll >= options.pollMs) {
        lastPoll = Date.now();
        metrics.outboxBacklog.set(await outboxBacklog(db));
      }
      return false;
    },
    onError: (error, failures) =>
      logger.error({ err: error instanceof Error ? error.message : String(error), failures }, "outbox publish failed; will retry"),
  });
  const listener = createPgListener({
    databaseUrl: options.databaseUrl,
    channel: PG_CHANNELS.outboxInserted,
    applicationName: "counter-outbox-listener",
    logger,
    onNotify: () => loop.wake(),
  });

  return {
    async start() {
      await publisher.start();
      await listener.start();
      loop.start();
    },
    async stop() {
      await loop.stop();
      try {
        await Promise.race([drain(), new Promise((resolve) => setTimeout(resolve, STOP_FLUSH_MS))]);
      } catch (error) {
        logger.warn({ err: error instanceof Error ? error.message : String(error) }, "outbox not fully flushed at shutdown");
      }
      await listener.stop();
      await publisher.stop();
    },
    drain,
  };
}

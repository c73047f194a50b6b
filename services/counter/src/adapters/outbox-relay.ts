import pg from "pg";
import type { Kafka, Message, Producer } from "kafkajs";
import { PG_CHANNELS, type Knex } from "@honorarium/shared/db";
import type { Logger } from "@honorarium/shared";
import type { CounterMetrics } from "../metrics.ts";

export interface OutboxRelayOptions {
  db: Knex;
  databaseUrl: string;
  kafka: Kafka;
  batchSize: number;
  pollMs: number;
  metrics: CounterMetrics;
  logger: Logger;
}

export interface OutboxRelay {
  start(): Promise<void>;
  /** Publishes what is left (bounded), then closes the producer and the listener. */
  stop(): Promise<void>;
  /** Publishes until the outbox is empty; returns the number of rows published. */
  drain(): Promise<number>;
}

interface OutboxRow {
  id: number;
  kind: "event" | "dead_letter";
  topic: string;
  message_key: string | null;
  payload: Buffer | null;
  headers: Record<string, string>;
}

const STOP_FLUSH_MS = 10_000;

/**
 * Publishes outbox rows in id order with an idempotent producer, then marks them published,
 * in one transaction that holds the rows `FOR UPDATE SKIP LOCKED` (several relays never send
 * the same row at once). A crash between send and mark re-sends the same eventId later.
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, logger, metrics } = options;
  let producer: Producer | undefined;
  let listener: pg.Client | undefined;
  let running = false;
  let loop: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;
  let pending = true;

  const wake = () => {
    pending = true;
    wakeUp?.();
  };

  async function publishOnce(): Promise<number> {
    const active = producer;
    if (active === undefined) return 0;
    return db.transaction(async (trx) => {
      const result: { rows: OutboxRow[] } = await trx.raw(
        `select id, kind, topic, message_key, payload, headers from outbox
         where published_at is null order by id limit ? for update skip locked`,
        [options.batchSize],
      );
      if (result.rows.length === 0) return 0;
      const byTopic = new Map<string, Message[]>();
      for (const row of result.rows) {
        const messages = byTopic.get(row.topic) ?? [];
        messages.push({ key: row.message_key, value: row.payload, headers: row.headers });
        byTopic.set(row.topic, messages);
      }
      await active.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      await trx.raw("update outbox set published_at = now(), publish_attempts = publish_attempts + 1 where id = any(?::bigint[])", [
        result.rows.map((row) => row.id),
      ]);
      for (const row of result.rows) metrics.outboxPublished.inc({ kind: row.kind });
      return result.rows.length;
    });
  }

  async function drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const published = await publishOnce();
      total += published;
      if (published < options.batchSize) return total;
    }
  }

  async function refreshBacklog(): Promise<void> {
    const result: { rows: { backlog: number }[] } = await db.raw("select count(*) as backlog from outbox where published_at is null");
    metrics.outboxBacklog.set(result.rows[0]?.backlog ?? 0);
  }

  async function listen(): Promise<void> {
    if (listener !== undefined) return;
    const client = new pg.Client({ connectionString: options.databaseUrl, application_name: "counter-outbox-listener" });
    client.on("notification", wake);
    client.on("error", (error) => {
      logger.warn({ err: error.message }, "outbox listener lost; polling until it reconnects");
      if (listener === client) listener = undefined;
      client.end().catch(() => undefined);
    });
    await client.connect();
    await client.query(`listen ${PG_CHANNELS.outboxInserted}`);
    listener = client;
  }

  async function run(): Promise<void> {
    let failures = 0;
    let lastPoll = 0;
    while (running) {
      if (!pending) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, options.pollMs);
          wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wakeUp = undefined;
      }
      if (!running) break;
      pending = false;
      try {
        await drain();
        failures = 0;
        if (Date.now() - lastPoll >= options.pollMs) {
          lastPoll = Date.now();
          await refreshBacklog();
          await listen().catch((error: unknown) => logger.warn({ err: String(error) }, "outbox listener not connected"));
        }
      } catch (error) {
        failures++;
        logger.error({ err: error instanceof Error ? error.message : String(error), failures }, "outbox publish failed; will retry");
        await new Promise((resolve) => setTimeout(resolve, Math.min(200 * 2 ** failures, 5000)));
        pending = true;
      }
    }
  }

  return {
    async start() {
      producer = options.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect();
      await listen().catch((error: unknown) => logger.warn({ err: String(error) }, "outbox listener not connected; polling"));
      running = true;
      pending = true;
      loop = run();
    },
    async stop() {
      running = false;
      wakeUp?.();
      await loop;
      try {
        await Promise.race([drain(), new Promise((resolve) => setTimeout(resolve, STOP_FLUSH_MS))]);
      } catch (error) {
        logger.warn({ err: error instanceof Error ? error.message : String(error) }, "outbox not fully flushed at shutdown");
      }
      await listener?.end().catch(() => undefined);
      listener = undefined;
      await producer?.disconnect();
      producer = undefined;
    },
    drain,
  };
}

import type { Admin, IHeaders, Kafka, Message, Producer } from "kafkajs";
import { PG_CHANNELS, type Knex } from "@honorarium/shared/db";
import type { Logger } from "@honorarium/shared";
import { createPgListener, createWorkerLoop } from "@honorarium/shared/infra";
import type { CounterMetrics } from "../metrics.ts";
import { outboxKafkaKey, storableText } from "./postgres/outbox.ts";

/** Bytes per produce request: well under the broker's default 1 MB (message.max.bytes) per partition batch. */
export const RELAY_MAX_REQUEST_BYTES = 512 * 1024;

export interface OutboxRelayOptions {
  db: Knex;
  databaseUrl: string;
  kafka: Kafka;
  batchSize: number;
  pollMs: number;
  /** Failed publishes before a row is parked: left in the outbox, no longer claimed. */
  maxAttempts: number;
  metrics: CounterMetrics;
  logger: Logger;
}

export interface OutboxRelay {
  start(): Promise<void>;
  /** Publishes what is left (bounded), then closes the producer and the listener. */
  stop(): Promise<void>;
  /** Publishes until no row is left to claim; returns the number of rows published. */
  drain(): Promise<number>;
}

interface OutboxRow {
  id: number;
  kind: "event" | "dead_letter";
  topic: string;
  message_key: string | null;
  payload: Buffer | null;
  headers: Record<string, unknown>;
}

interface Outgoing {
  row: OutboxRow;
  message: Message;
  bytes: number;
}

interface RowFailure {
  row: OutboxRow;
  error: string;
  /** Counts towards parking: the failure is the row's own, not the broker's. */
  counts: boolean;
}

interface FailedRow {
  id: number;
  kind: string;
  topic: string;
  publish_attempts: number;
  last_error: string;
  parked: boolean;
}

interface Pass {
  claimed: number;
  published: number;
  /** Sends failed for reasons that say nothing about the rows (broker unreachable): back off. */
  outage: Error | null;
}

const STOP_FLUSH_MS = 10_000;
/** A per-record estimate of what the produce request adds around key, value and headers. */
const RECORD_OVERHEAD_BYTES = 64;
/** Broker answers that belong to the record or its topic: retrying the same record gets the same answer. */
const ROW_FAULTS = new Set([
  "MESSAGE_TOO_LARGE",
  "RECORD_LIST_TOO_LARGE",
  "INVALID_RECORD",
  "INVALID_TIMESTAMP",
  "UNKNOWN_TOPIC_OR_PARTITION",
  "INVALID_TOPIC_EXCEPTION",
  "TOPIC_AUTHORIZATION_FAILED",
]);

function errorChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  const pending = [error];
  while (pending.length > 0 && chain.length < 20) {
    const next = pending.shift();
    if (next === undefined || next === null || chain.includes(next)) continue;
    chain.push(next);
    const { cause, errors } = next as { cause?: unknown; errors?: unknown };
    pending.push(cause);
    if (Array.isArray(errors)) pending.push(...(errors as unknown[]));
  }
  return chain;
}

function faultTypes(error: unknown): string[] {
  return errorChain(error).flatMap((e) => {
    const type = (e as { type?: unknown }).type;
    return typeof type === "string" && ROW_FAULTS.has(type) ? [type] : [];
  });
}

function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const types = errorChain(error).flatMap((e) => {
    const type = (e as { type?: unknown }).type;
    return typeof type === "string" ? [type] : [];
  });
  return storableText(types.length > 0 ? `${types.join(", ")}: ${message}` : message).slice(0, 1000);
}

function toOutgoing(row: OutboxRow): Outgoing {
  const headers: IHeaders = {};
  let bytes = RECORD_OVERHEAD_BYTES + (row.payload?.length ?? 0);
  for (const [name, value] of Object.entries(row.headers)) {
    if (typeof value !== "string") continue;
    headers[name] = value;
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  const key = outboxKafkaKey(row.message_key, row.headers);
  bytes += key?.length ?? 0;
  return { row, message: { key, value: row.payload, headers }, bytes };
}

/** Consecutive rows, each chunk at most `maxBytes` (a larger row goes alone). */
function chunksByBytes(outgoing: readonly Outgoing[], maxBytes: number): Outgoing[][] {
  const chunks: Outgoing[][] = [];
  let current: Outgoing[] = [];
  let bytes = 0;
  for (const item of outgoing) {
    if (current.length > 0 && bytes + item.bytes > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Publishes outbox rows in id order with an idempotent producer, then marks them published,
 * in one transaction that holds the rows `FOR UPDATE SKIP LOCKED` (several relays never send
 * the same row at once). A crash between send and mark re-sends the same eventId later.
 * Requests stay under RELAY_MAX_REQUEST_BYTES. When one fails, its rows are sent one at a time, so
 * a row the broker refuses (too large, topic gone) never holds back the rows behind it: it gets
 * `publish_attempts` and `last_error`, and after `maxAttempts` it is parked (`parked_at`, no longer
 * claimed, logged at error level). Failures that look like the broker's (nothing goes through)
 * count against no row: the relay backs off and tries again.
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, logger, metrics } = options;
  const { maxAttempts } = options;
  let producer: Producer | undefined;
  let admin: Admin | undefined;
  // Topics seen on the broker. KafkaJS retries a send to a missing topic for minutes, so rows for
  // a topic not known here are checked against the broker's list before anything is sent.
  const knownTopics = new Set<string>();

  async function missingTopics(topics: readonly string[]): Promise<Set<string>> {
    const unknown = new Set(topics.filter((topic) => !knownTopics.has(topic)));
    if (unknown.size === 0 || admin === undefined) return new Set();
    for (const topic of await admin.listTopics()) knownTopics.add(topic);
    return new Set([...unknown].filter((topic) => !knownTopics.has(topic)));
  }

  async function send(active: Producer, items: readonly Outgoing[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const { row, message } of items) {
      const messages = byTopic.get(row.topic) ?? [];
      messages.push(message);
      byTopic.set(row.topic, messages);
    }
    await active.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
  }

  function rowFailure(row: OutboxRow, error: unknown): RowFailure {
    const types = faultTypes(error);
    if (types.includes("UNKNOWN_TOPIC_OR_PARTITION")) knownTopics.delete(row.topic);
    return { row, error: errorText(error), counts: types.length > 0 };
  }

  /**
   * After a failed request: each row alone. A failure the broker blames on the row counts; any other
   * counts only when other rows of the chunk went through (the broker is fine, this row is not).
   */
  async function sendOneByOne(
    active: Producer,
    chunk: readonly Outgoing[],
    chunkError: unknown,
  ): Promise<{ published: OutboxRow[]; failures: RowFailure[]; outage: Error | null }> {
    const published: OutboxRow[] = [];
    const failures: RowFailure[] = [];
    for (const item of chunk) {
      let error: unknown;
      if (chunk.length === 1) {
        error = chunkError;
      } else {
        try {
          await send(active, [item]);
          published.push(item.row);
          continue;
        } catch (caught) {
          error = caught;
        }
      }
      const failure = rowFailure(item.row, error);
      failures.push(failure);
      if (!failure.counts && published.length === 0) {
        return { published, failures, outage: error instanceof Error ? error : new Error(String(error)) };
      }
    }
    if (published.length > 0) for (const failure of failures) failure.counts = true;
    return { published, failures, outage: null };
  }

  async function publishOnce(): Promise<Pass> {
    const active = producer;
    if (active === undefined) return { claimed: 0, published: 0, outage: null };
    const pass = await db.transaction(async (trx) => {
      const result: { rows: OutboxRow[] } = await trx.raw(
        `select id, kind, topic, message_key, payload, headers from outbox
         where published_at is null and parked_at is null order by id limit ? for update skip locked`,
        [options.batchSize],
      );
      const rows = result.rows;
      const published: OutboxRow[] = [];
      const failures: RowFailure[] = [];
      let outage: Error | null = null;
      if (rows.length === 0) return { claimed: 0, published, failures, parked: [], outage };

      const missing = await missingTopics([...new Set(rows.map((row) => row.topic))]);
      const sendable: Outgoing[] = [];
      for (const row of rows) {
        if (missing.has(row.topic)) failures.push({ row, error: `topic ${row.topic} does not exist`, counts: true });
        else sendable.push(toOutgoing(row));
      }
      for (const chunk of chunksByBytes(sendable, RELAY_MAX_REQUEST_BYTES)) {
        try {
          await send(active, chunk);
          published.push(...chunk.map((item) => item.row));
          continue;
        } catch (error) {
          const alone = await sendOneByOne(active, chunk, error);
          published.push(...alone.published);
          failures.push(...alone.failures);
          outage = alone.outage;
        }
        // The rest waits for the next pass after the back-off.
        if (outage !== null) break;
      }

      if (published.length > 0) {
        await trx.raw("update outbox set published_at = now(), publish_attempts = publish_attempts + 1 where id = any(?::bigint[])", [
          published.map((row) => row.id),
        ]);
      }
      let parked: FailedRow[] = [];
      if (failures.length > 0) {
        const updated: { rows: FailedRow[] } = await trx.raw(
          `update outbox o set
             publish_attempts = o.publish_attempts + f.counts::int,
             last_error = f.error,
             parked_at = case when f.counts and o.publish_attempts + 1 >= ? then now() end
           from json_to_recordset(?::json) as f(id bigint, error text, counts boolean)
           where o.id = f.id
           returning o.id, o.kind, o.topic, o.publish_attempts, o.last_error, o.parked_at is not null as parked`,
          [maxAttempts, JSON.stringify(failures.map((failure) => ({ id: failure.row.id, error: failure.error, counts: failure.counts })))],
        );
        parked = updated.rows.filter((row) => row.parked);
      }
      return { claimed: rows.length, published, failures, parked, outage };
    });

    // Recorded after the commit, so a rolled-back pass is not counted.
    for (const row of pass.published) metrics.outboxPublished.inc({ kind: row.kind });
    for (const failure of pass.failures) if (failure.counts) metrics.outboxPublishFailures.inc({ kind: failure.row.kind });
    const notParked = pass.failures.filter((failure) => failure.counts && !pass.parked.some((row) => row.id === failure.row.id));
    if (notParked.length > 0) {
      logger.warn(
        { ids: notParked.map((failure) => failure.row.id), err: notParked[0]?.error },
        "outbox rows not published; the rows behind them went on",
      );
    }
    for (const row of pass.parked) {
      metrics.outboxParked.inc({ kind: row.kind });
      logger.error(
        { outboxId: row.id, kind: row.kind, topic: row.topic, attempts: row.publish_attempts, err: row.last_error },
        "outbox row parked: not published after the maximum attempts; set parked_at = null to retry it",
      );
    }
    return { claimed: pass.claimed, published: pass.published.length, outage: pass.outage };
  }

  async function drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const pass = await publishOnce();
      total += pass.published;
      if (pass.outage !== null) throw pass.outage;
      if (pass.claimed < options.batchSize) return total;
    }
  }

  async function refreshBacklog(): Promise<void> {
    const result: { rows: { backlog: number }[] } = await db.raw("select count(*) as backlog from outbox where published_at is null");
    metrics.outboxBacklog.set(result.rows[0]?.backlog ?? 0);
  }

  let lastPoll = 0;
  // The shared wake/sleep/back-off loop: woken by NOTIFY on outbox inserts, polling as a fallback.
  const loop = createWorkerLoop({
    idleMs: options.pollMs,
    backoff: { initialMs: 400, maxMs: 5000 },
    pass: async () => {
      await drain();
      if (Date.now() - lastPoll >= options.pollMs) {
        lastPoll = Date.now();
        await refreshBacklog();
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
      producer = options.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect();
      admin = options.kafka.admin();
      await admin.connect();
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
      await producer?.disconnect();
      producer = undefined;
      await admin?.disconnect();
      admin = undefined;
    },
    drain,
  };
}

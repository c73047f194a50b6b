import { isUtf8 } from "node:buffer";
import type { Knex } from "@honorarium/shared/db";
import type { OutboxEntry } from "../../use-cases/outbox-publisher.ts";

/** An outbox row to write in the same transaction as the effects it reports. */
export interface OutboxMessage {
  kind: "event" | "dead_letter";
  topic: string;
  /** The Kafka key's bytes; any bytes are kept (see ORIGINAL_KEY_HEADER). */
  key: Buffer | null;
  payload: Buffer | null;
  headers: Record<string, string>;
  eventId: string | null;
}

/**
 * Carries the key's bytes (base64) when they cannot be stored as text: not UTF-8, or a NUL, which
 * Postgres refuses in text and jsonb (SQLSTATE 22P05). `message_key` is null then; the relay
 * publishes these bytes as the Kafka key. Set only by insertOutboxMessages.
 */
export const ORIGINAL_KEY_HEADER = "dlq-original-key-base64";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A string Postgres stores in text and jsonb: NUL written as the six characters `\u0000`, lone surrogates as U+FFFD. */
export function storableText(text: string): string {
  return text.replace(LONE_SURROGATE, "\uFFFD").replaceAll("\u0000", "\\u0000");
}

/** The Kafka key of an outbox row: `message_key` as UTF-8, or the bytes kept in ORIGINAL_KEY_HEADER. */
export function outboxKafkaKey(messageKey: string | null, headers: Readonly<Record<string, unknown>>): Buffer | null {
  if (messageKey !== null) return Buffer.from(messageKey, "utf8");
  const original = headers[ORIGINAL_KEY_HEADER];
  return typeof original === "string" ? Buffer.from(original, "base64") : null;
}

function storableRow(message: OutboxMessage) {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) headers[storableText(name)] = storableText(value);
  // A copied header of that name (a dead letter fed back in) must not replace this row's key.
  delete headers[ORIGINAL_KEY_HEADER];
  let messageKey: string | null = null;
  if (message.key !== null) {
    if (isUtf8(message.key) && !message.key.includes(0)) messageKey = message.key.toString("utf8");
    else headers[ORIGINAL_KEY_HEADER] = message.key.toString("base64");
  }
  return {
    kind: message.kind,
    topic: message.topic,
    message_key: messageKey,
    payload: message.payload === null ? null : message.payload.toString("base64"),
    headers,
    event_id: message.eventId,
  };
}

/**
 * One statement for any number of rows (payloads travel as base64 inside one JSON parameter).
 * Keys and headers are made storable first (storableText, ORIGINAL_KEY_HEADER): Kafka allows
 * bytes Postgres text refuses, and a refused dead letter would stop its partition.
 * A dead letter for a source offset that already has one is skipped (migration 006), so a replay
 * publishes no dead letter twice.
 */
export async function insertOutboxMessages(trx: Knex.Transaction, messages: readonly OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await trx.raw(
    `insert into outbox (kind, topic, message_key, payload, headers, event_id)
     select r.kind, r.topic, r.message_key, decode(r.payload, 'base64'), coalesce(r.headers, '{}'::jsonb), r.event_id
     from json_to_recordset(?::json) as r(kind text, topic text, message_key text, payload text, headers jsonb, event_id uuid)
     on conflict ((headers ->> 'dlq-source-topic'), (headers ->> 'dlq-source-partition'), (headers ->> 'dlq-source-offset'))
       where kind = 'dead_letter' do nothing`,
    [JSON.stringify(messages.map(storableRow))],
  );
}

/** A row that failed to publish after this pass's update, as the relay logs it. */
export interface FailedOutboxRow {
  id: number;
  kind: string;
  topic: string;
  publish_attempts: number;
  last_error: string;
  parked: boolean;
}

interface StoredOutboxRow {
  id: number;
  kind: "event" | "dead_letter";
  topic: string;
  message_key: string | null;
  payload: Buffer | null;
  headers: Record<string, unknown>;
}

/**
 * Claims the oldest unpublished, unparked rows `FOR UPDATE SKIP LOCKED` (several relays never send
 * the same row at once), as the records they stand for.
 */
export async function claimOutboxEntries(trx: Knex.Transaction, limit: number): Promise<OutboxEntry[]> {
  const result: { rows: StoredOutboxRow[] } = await trx.raw(
    `select id, kind, topic, message_key, payload, headers from outbox
     where published_at is null and parked_at is null order by id limit ? for update skip locked`,
    [limit],
  );
  return result.rows.map((row) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(row.headers)) if (typeof value === "string") headers[name] = value;
    return { id: row.id, kind: row.kind, topic: row.topic, key: outboxKafkaKey(row.message_key, row.headers), value: row.payload, headers };
  });
}

export async function markOutboxPublished(trx: Knex.Transaction, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await trx.raw("update outbox set published_at = now(), publish_attempts = publish_attempts + 1 where id = any(?::bigint[])", [[...ids]]);
}

/**
 * Records failed publishes: `last_error` always; `publish_attempts` only for failures that count
 * (the row's own), and parks a row (`parked_at`) at `maxAttempts`. Returns the rows updated.
 */
export async function recordOutboxFailures(
  trx: Knex.Transaction,
  failures: readonly { id: number; error: string; counts: boolean }[],
  maxAttempts: number,
): Promise<FailedOutboxRow[]> {
  if (failures.length === 0) return [];
  const updated: { rows: FailedOutboxRow[] } = await trx.raw(
    `update outbox o set
       publish_attempts = o.publish_attempts + f.counts::int,
       last_error = f.error,
       parked_at = case when f.counts and o.publish_attempts + 1 >= ? then now() end
     from json_to_recordset(?::json) as f(id bigint, error text, counts boolean)
     where o.id = f.id
     returning o.id, o.kind, o.topic, o.publish_attempts, o.last_error, o.parked_at is not null as parked`,
    [maxAttempts, JSON.stringify(failures.map((failure) => ({ ...failure, error: storableText(failure.error) })))],
  );
  return updated.rows;
}

export async function outboxBacklog(db: Knex): Promise<number> {
  const result: { rows: { backlog: number }[] } = await db.raw("select count(*)::int as backlog from outbox where published_at is null");
  return result.rows[0]?.backlog ?? 0;
}

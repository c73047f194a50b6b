import { isUtf8 } from "node:buffer";
import type { Knex } from "@honorarium/shared/db";

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

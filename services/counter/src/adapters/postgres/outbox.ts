import type { Knex } from "@honorarium/shared/db";

/** An outbox row to write in the same transaction as the effects it reports. */
export interface OutboxMessage {
  kind: "event" | "dead_letter";
  topic: string;
  key: string | null;
  payload: Buffer | null;
  headers: Record<string, string>;
  eventId: string | null;
}

/**
 * One statement for any number of rows (payloads travel as base64 inside one JSON parameter).
 * A dead letter for a source offset that already has one is skipped (migration 006), so a replay
 * publishes no dead letter twice.
 */
export async function insertOutboxMessages(trx: Knex.Transaction, messages: readonly OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  const rows = messages.map((message) => ({
    kind: message.kind,
    topic: message.topic,
    message_key: message.key,
    payload: message.payload === null ? null : message.payload.toString("base64"),
    headers: message.headers,
    event_id: message.eventId,
  }));
  await trx.raw(
    `insert into outbox (kind, topic, message_key, payload, headers, event_id)
     select r.kind, r.topic, r.message_key, decode(r.payload, 'base64'), coalesce(r.headers, '{}'::jsonb), r.event_id
     from json_to_recordset(?::json) as r(kind text, topic text, message_key text, payload text, headers jsonb, event_id uuid)
     on conflict ((headers ->> 'dlq-source-topic'), (headers ->> 'dlq-source-partition'), (headers ->> 'dlq-source-offset'))
       where kind = 'dead_letter' do nothing`,
    [JSON.stringify(rows)],
  );
}

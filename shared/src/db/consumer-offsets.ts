import type { Knex } from "knex";

/**
 * DESIGN.md "Exactly-once": a consumer group's positions live in consumer_offsets, written in the
 * same transaction as what the messages changed. Used by the counter and the notifier through
 * createPostgresOffsetsConsumer (shared/infra) and by the counter's replay tool.
 */

/**
 * Locks the partition's row in consumer_offsets and returns the next offset to apply. The lock
 * serializes two group members that briefly own the same partition during a rebalance. Without a
 * row (this group never applied anything here, in this database) the row is created at `startAt`:
 * "0" for a consumer that needs the whole history (the counter: then the batch seeks back to the
 * log start, whatever Kafka's committed hint says), or the batch's first offset for one that may
 * begin where Kafka delivers (the notifier: no notifications for events older than the database).
 */
async function lockPartitionOffset(
  trx: Knex.Transaction,
  group: string,
  topic: string,
  partition: number,
  startAt: string,
): Promise<string> {
  // One round trip: the no-op update locks an existing row and returns its offset.
  const result: { rows: { next_offset: string }[] } = await trx.raw(
    `insert into consumer_offsets as o (consumer_group, topic, partition, next_offset) values (?, ?, ?, ?::bigint)
     on conflict (consumer_group, topic, partition) do update set next_offset = o.next_offset
     returning next_offset::text as next_offset`,
    [group, topic, partition, startAt],
  );
  const row = result.rows[0];
  if (row === undefined) throw new Error(`consumer_offsets row for ${group} ${topic}[${partition}] vanished`);
  return row.next_offset;
}

async function advancePartitionOffset(
  trx: Knex.Transaction,
  group: string,
  topic: string,
  partition: number,
  nextOffset: string,
): Promise<void> {
  await trx.raw(
    `update consumer_offsets set next_offset = ?::bigint, updated_at = now()
     where consumer_group = ? and topic = ? and partition = ?`,
    [nextOffset, group, topic, partition],
  );
}

/** The stored positions of a group (for the replay tool and tests). */
export async function loadGroupOffsets(
  db: Knex | Knex.Transaction,
  group: string,
): Promise<{ topic: string; partition: number; nextOffset: string }[]> {
  const result: { rows: { topic: string; partition: number; next_offset: string }[] } = await db.raw(
    "select topic, partition, next_offset::text as next_offset from consumer_offsets where consumer_group = ? order by topic, partition",
    [group],
  );
  return result.rows.map((row) => ({ topic: row.topic, partition: row.partition, nextOffset: row.next_offset }));
}

/**
 * Moves a group's stored offsets back to `targets` (never forward: that would skip events).
 * A partition without a stored row gets one. Returns the offsets now stored.
 */
export async function resetGroupOffsets(
  db: Knex,
  group: string,
  targets: readonly { topic: string; partition: number; offset: string }[],
): Promise<{ topic: string; partition: number; offset: string }[]> {
  if (targets.length === 0) return [];
  return db.transaction(async (trx) => {
    const result: { rows: { topic: string; partition: number; next_offset: string }[] } = await trx.raw(
      `insert into consumer_offsets (consumer_group, topic, partition, next_offset)
       select ?, t.topic, t.partition, t.next_offset from unnest(?::text[], ?::int[], ?::bigint[]) as t(topic, partition, next_offset)
       on conflict (consumer_group, topic, partition) do update
         set next_offset = least(consumer_offsets.next_offset, excluded.next_offset), updated_at = now()
       returning topic, partition, next_offset::text as next_offset`,
      [group, targets.map((t) => t.topic), targets.map((t) => t.partition), targets.map((t) => t.offset)],
    );
    return result.rows.map((row) => ({ topic: row.topic, partition: row.partition, offset: row.next_offset }));
  });
}

export type StoredOffsetOutcome<T> =
  /** The batch starts after the stored position: fetch again from `offset`, nothing applied. */
  | { kind: "seek"; offset: string }
  /** Applied (or all below the position): `skipped` messages were already applied, `applied` is undefined when none was fresh. */
  | { kind: "committed"; nextOffset: string; skipped: number; fresh: number; applied: T | undefined };

/**
 * DESIGN.md "Exactly-once" inside the caller's transaction: lock the partition's stored position;
 * a batch starting above it asks for a seek (unless it answers that very seek, `acceptGapFrom`:
 * then the offsets between do not exist — transaction markers, retention); messages below it
 * are skipped; the rest go to `apply`; the position moves past the batch.
 */
export async function applyAtStoredOffset<M extends { offset: string }, T>(
  trx: Knex.Transaction,
  position: { group: string; topic: string; partition: number; startAt: string; acceptGapFrom: string | undefined },
  messages: readonly M[],
  apply: (fresh: readonly M[]) => Promise<T>,
): Promise<StoredOffsetOutcome<T>> {
  const { group, topic, partition } = position;
  const first = messages[0];
  const last = messages[messages.length - 1];
  if (first === undefined || last === undefined) throw new Error("a partition batch needs at least one message");
  const nextOffset = BigInt(await lockPartitionOffset(trx, group, topic, partition, position.startAt));
  if (BigInt(first.offset) > nextOffset && position.acceptGapFrom !== nextOffset.toString()) {
    return { kind: "seek", offset: nextOffset.toString() };
  }
  const fresh = messages.filter((message) => BigInt(message.offset) >= nextOffset);
  const skipped = messages.length - fresh.length;
  if (fresh.length === 0) return { kind: "committed", nextOffset: nextOffset.toString(), skipped, fresh: 0, applied: undefined };
  const applied = await apply(fresh);
  const newNext = (BigInt(last.offset) + 1n).toString();
  await advancePartitionOffset(trx, group, topic, partition, newNext);
  return { kind: "committed", nextOffset: newNext, skipped, fresh: fresh.length, applied };
}

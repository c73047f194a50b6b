import type { KafkaMessage } from "kafkajs";
import { type Knex, advancePartitionOffset, lockPartitionOffset } from "@honorarium/shared/db";
import type { BatchDecision, PartitionBatch } from "@honorarium/shared/infra";

/** Applies one partition's fresh messages inside the transaction that also moves the offset. */
export type PartitionBatchHandler = (input: {
  trx: Knex.Transaction;
  topic: string;
  partition: number;
  messages: readonly KafkaMessage[];
}) => Promise<void>;

/**
 * DESIGN.md "Exactly-once" for the notifier: per batch of one partition, one transaction locks
 * the partition's consumer_offsets row, skips what is below it, applies the rest and moves it.
 * A partition seen for the first time starts where Kafka delivered from: a new notifier database
 * does not notify every crossing the topic still holds.
 */
export function createOffsetGuardedApply(db: Knex, group: string, handleBatch: PartitionBatchHandler) {
  return async (batch: PartitionBatch, _heartbeat: () => Promise<void>, acceptGapFrom: string | undefined): Promise<BatchDecision> => {
    const { topic, partition, messages } = batch;
    const first = messages[0];
    const last = messages[messages.length - 1];
    if (first === undefined || last === undefined) throw new Error("a batch needs at least one message");
    return db.transaction(async (trx): Promise<BatchDecision> => {
      const nextOffset = BigInt(await lockPartitionOffset(trx, group, topic, partition, first.offset));
      if (BigInt(first.offset) > nextOffset && acceptGapFrom !== nextOffset.toString()) {
        return { kind: "seek", offset: nextOffset.toString() };
      }
      const fresh = messages.filter((message) => BigInt(message.offset) >= nextOffset);
      if (fresh.length === 0) return { kind: "committed", nextOffset: nextOffset.toString() };
      await handleBatch({ trx, topic, partition, messages: fresh });
      const newNext = (BigInt(last.offset) + 1n).toString();
      await advancePartitionOffset(trx, group, topic, partition, newNext);
      return { kind: "committed", nextOffset: newNext };
    });
  };
}

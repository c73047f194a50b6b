import type { KafkaMessage } from "kafkajs";
import { type Knex, applyAtStoredOffset } from "@honorarium/shared/db";
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
    const startAt = messages[0]?.offset ?? "0";
    const outcome = await db.transaction((trx) =>
      applyAtStoredOffset(trx, { group, topic, partition, startAt, acceptGapFrom }, messages, (fresh) =>
        handleBatch({ trx, topic, partition, messages: fresh }),
      ),
    );
    return outcome.kind === "seek" ? outcome : { kind: "committed", nextOffset: outcome.nextOffset };
  };
}

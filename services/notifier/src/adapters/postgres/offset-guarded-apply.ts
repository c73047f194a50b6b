import type { KafkaMessage } from "kafkajs";
import { type Knex, applyAtStoredOffset } from "@honorarium/shared/db";
import { type BatchDecision, type PartitionBatch, applyBatchOrOneByOne } from "@honorarium/shared/infra";
import type { Logger } from "@honorarium/shared";

/**
 * Applies one partition's fresh messages inside the transaction that also moves the offset.
 * `refusedBy` non-null: the database refused these messages (one, by then) for their data; the
 * handler dead-letters them instead of applying them.
 */
export type PartitionBatchHandler = (input: {
  trx: Knex.Transaction;
  topic: string;
  partition: number;
  messages: readonly KafkaMessage[];
  refusedBy: Error | null;
}) => Promise<void>;

/**
 * DESIGN.md "Exactly-once" for the notifier: per batch of one partition, one transaction locks
 * the partition's consumer_offsets row, skips what is below it, applies the rest and moves it.
 * A partition seen for the first time starts where Kafka delivered from: a new notifier database
 * does not notify every crossing the topic still holds. A batch the database refuses for its data
 * is applied one message at a time and the refused one dead-lettered, as in the counter
 * (applyBatchOrOneByOne), instead of being retried until KafkaJS gives up.
 */
export function createOffsetGuardedApply(db: Knex, group: string, handleBatch: PartitionBatchHandler, logger: Logger) {
  return async (batch: PartitionBatch, heartbeat: () => Promise<void>, acceptGapFrom: string | undefined): Promise<BatchDecision> => {
    const { topic, partition } = batch;
    const applyInTransaction = async (
      messages: readonly KafkaMessage[],
      gap: string | undefined,
      refusedBy: Error | null,
    ): Promise<BatchDecision> => {
      const startAt = messages[0]?.offset ?? "0";
      const outcome = await db.transaction((trx) =>
        applyAtStoredOffset(trx, { group, topic, partition, startAt, acceptGapFrom: gap }, messages, (fresh) =>
          handleBatch({ trx, topic, partition, messages: fresh, refusedBy }),
        ),
      );
      return outcome.kind === "seek" ? outcome : { kind: "committed", nextOffset: outcome.nextOffset };
    };
    return applyBatchOrOneByOne(batch.messages, acceptGapFrom, applyInTransaction, {
      heartbeat,
      onRefused: (error) => logger.warn({ err: error.message, topic, partition }, "batch refused; applying it one event at a time"),
    });
  };
}

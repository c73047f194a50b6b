import type { Consumer, Kafka, KafkaMessage } from "kafkajs";
import type { Knex } from "@honorarium/shared/db";
import type { Logger } from "@honorarium/shared";

/** Applies one partition's fresh messages inside the transaction that also moves the offset. */
export type PartitionBatchHandler = (input: {
  trx: Knex.Transaction;
  topic: string;
  partition: number;
  messages: KafkaMessage[];
}) => Promise<void>;

export interface PostgresOffsetsConsumerOptions {
  kafka: Kafka;
  db: Knex;
  groupId: string;
  topic: string;
  logger: Logger;
  sessionTimeoutMs?: number;
  handleBatch: PartitionBatchHandler;
  /** Called after each committed batch with the partition's remaining lag (for a gauge). */
  onLag?: (partition: number, lag: number) => void;
  /** KafkaJS gave up (a crash it will not restart from): the process should exit and be restarted. */
  onFatal?: (error: Error) => void;
}

export interface PostgresOffsetsConsumer {
  start(): Promise<void>;
  /** Stops fetching; the batch in hand finishes (KafkaJS waits for it) and commits first. */
  stop(): Promise<void>;
  isRunning(): boolean;
}

type BatchVerdict = { kind: "applied"; lastOffset: string } | { kind: "seek"; offset: number } | { kind: "skipped"; lastOffset: string };

/**
 * Exactly-once application of a topic into Postgres (DESIGN.md "Exactly-once"): per batch of
 * one partition, one transaction locks the partition's consumer_offsets row, skips what is
 * below next_offset, applies the rest with the handler and moves next_offset. Kafka's own
 * committed offset is only a hint for where to fetch next. KafkaJS has no awaited
 * "partitions assigned" hook, so a seek to the stored offset would race the first fetch; the
 * row lock is the guard instead. Generic: any topic and handler (the counter could reuse it).
 */
export function createPostgresOffsetsConsumer(options: PostgresOffsetsConsumerOptions): PostgresOffsetsConsumer {
  const { kafka, db, groupId, topic, logger, handleBatch } = options;
  let consumer: Consumer | undefined;
  let running = false;
  // Partitions we already sought back once: if the log no longer holds next_offset (retention
  // removed it) the next batch starts above it again, and we accept the gap instead of looping.
  const soughtTo = new Map<number, number>();

  async function applyBatch(partition: number, messages: KafkaMessage[]): Promise<BatchVerdict> {
    const firstOffset = Number(messages[0]?.offset ?? 0);
    const lastOffset = messages[messages.length - 1]?.offset ?? "0";
    return db.transaction(async (trx) => {
      // A partition seen for the first time starts where Kafka delivered from.
      await trx.raw(
        `insert into consumer_offsets (consumer_group, topic, partition, next_offset) values (?, ?, ?, ?)
         on conflict (consumer_group, topic, partition) do nothing`,
        [groupId, topic, partition, firstOffset],
      );
      const row: { next_offset: number } = await trx("consumer_offsets")
        .select("next_offset")
        .where({ consumer_group: groupId, topic, partition })
        .forUpdate()
        .first();
      const nextOffset = Number(row.next_offset);
      if (firstOffset > nextOffset) {
        if (soughtTo.get(partition) !== nextOffset) return { kind: "seek", offset: nextOffset };
        logger.warn(
          { topic, partition, nextOffset, firstOffset },
          "offsets below the batch are no longer in the log; continuing after the gap",
        );
      }
      soughtTo.delete(partition);
      const fresh = messages.filter((message) => Number(message.offset) >= nextOffset);
      if (fresh.length === 0) return { kind: "skipped", lastOffset };
      await handleBatch({ trx, topic, partition, messages: fresh });
      await trx("consumer_offsets")
        .where({ consumer_group: groupId, topic, partition })
        .update({ next_offset: Number(lastOffset) + 1, updated_at: trx.fn.now() });
      return { kind: "applied", lastOffset };
    });
  }

  return {
    async start() {
      const sessionTimeout = options.sessionTimeoutMs ?? 30_000;
      const created = kafka.consumer({
        groupId,
        allowAutoTopicCreation: false,
        maxWaitTimeInMs: 100,
        sessionTimeout,
        heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeout / 3)),
      });
      consumer = created;
      created.on(created.events.GROUP_JOIN, () => {
        // A (re)join forgets pending seeks: a marker from before the rebalance would make the next
        // batch look like the answer to that seek, and its gap would be accepted.
        soughtTo.clear();
        running = consumer !== undefined;
      });
      created.on(created.events.CRASH, (event) => {
        soughtTo.clear();
        running = false;
        logger.error({ err: event.payload.error, restart: event.payload.restart }, "consumer crashed");
        // Without a restart the process would stay up (healthz green) consuming nothing.
        if (!event.payload.restart) options.onFatal?.(event.payload.error);
      });
      await created.connect();
      await created.subscribe({ topic, fromBeginning: true });
      await created.run({
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 3,
        eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isRunning, isStale }) => {
          if (batch.messages.length === 0 || !isRunning() || isStale()) return;
          const verdict = await applyBatch(batch.partition, batch.messages);
          if (verdict.kind === "seek") {
            soughtTo.set(batch.partition, verdict.offset);
            logger.info(
              { topic, partition: batch.partition, offset: verdict.offset },
              "fetch position ran ahead of the stored offset; seeking back",
            );
            created.seek({ topic, partition: batch.partition, offset: String(verdict.offset) });
            return;
          }
          resolveOffset(verdict.lastOffset);
          // Kafka's committed offset is a hint; Postgres already holds the truth.
          await commitOffsetsIfNecessary().catch((error: unknown) => logger.warn({ err: error }, "kafka offset commit failed (hint only)"));
          options.onLag?.(batch.partition, Number(batch.offsetLag()));
          await heartbeat();
        },
      });
      running = true;
    },
    async stop() {
      running = false;
      const stopping = consumer;
      consumer = undefined;
      await stopping?.disconnect();
    },
    isRunning: () => running,
  };
}

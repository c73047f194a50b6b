import type { Consumer, Kafka, KafkaMessage } from "kafkajs";
import type { Logger } from "pino";
import { TRANSIENT_BROKER_GRACE_MS } from "./kafka.ts";
import { createTransientFaultGate } from "./transient-faults.ts";

/** One topic-partition's fetched messages, in offset order, as KafkaJS delivers them. */
export interface PartitionBatch {
  topic: string;
  partition: number;
  messages: readonly KafkaMessage[];
}

export type BatchDecision =
  /** Applied (or already applied): Kafka may move on to `nextOffset`. */
  | { kind: "committed"; nextOffset: string }
  /** The batch starts after the stored position: fetch again from `offset`, apply nothing. */
  | { kind: "seek"; offset: string };

export interface PostgresOffsetsConsumerOptions {
  kafka: Kafka;
  group: string;
  topics: readonly string[];
  partitionsConsumedConcurrently: number;
  /** Bounds a batch (one transaction) and the memory it holds; KafkaJS's default otherwise. */
  maxBytesPerPartition?: number;
  /** How long the broker may hold a fetch for data (lower = lower latency when idle). */
  maxWaitTimeInMs?: number;
  sessionTimeoutMs: number;
  logger: Logger;
  /**
   * Applies one partition's batch in one Postgres transaction under its stored offset
   * (shared/db consumer-offsets). `acceptGapFrom` is the offset last sought to on this partition:
   * when Kafka answers that seek with a later first offset, the offsets between do not exist
   * (transaction markers, retention) and the gap is accepted instead of seeking forever.
   */
  applyBatch: (batch: PartitionBatch, heartbeat: () => Promise<void>, acceptGapFrom: string | undefined) => Promise<BatchDecision>;
  onLag?: (topic: string, partition: number, lag: number) => void;
  /** KafkaJS gave up (a crash it will not restart from): the process should exit and be restarted. */
  onFatal: (error: Error) => void;
}

export interface PostgresOffsetsConsumer {
  start(): Promise<void>;
  /** Finishes the batch in hand, then leaves the group. */
  stop(): Promise<void>;
  /** In the group and consuming (false after a crash until the rejoin, and after stop). */
  isReady(): boolean;
}

const HINT_INTERVAL_MS = 1000;

/**
 * DESIGN.md "Exactly-once": a consumer group with eachBatch and auto-commit off, whose positions
 * live in Postgres beside what the messages changed; Kafka's committed offset is only a hint for
 * where to fetch after a restart. The counter and the notifier both consume through this.
 */
export function createPostgresOffsetsConsumer(options: PostgresOffsetsConsumerOptions): PostgresOffsetsConsumer {
  const { logger } = options;
  let consumer: Consumer | undefined;
  let ready = false;
  // The offset last sought to per partition: a batch answering that seek at a later offset is a real gap.
  const soughtTo = new Map<string, string>();
  const lastHintAt = new Map<string, number>();
  const crashes = createTransientFaultGate({ graceMs: TRANSIENT_BROKER_GRACE_MS });

  return {
    async start() {
      consumer = options.kafka.consumer({
        groupId: options.group,
        allowAutoTopicCreation: false,
        ...(options.maxBytesPerPartition === undefined
          ? {}
          : {
              maxBytesPerPartition: options.maxBytesPerPartition,
              // Bounds memory: one fetch response never holds more than a few partitions' worth.
              maxBytes: options.maxBytesPerPartition * 4,
            }),
        ...(options.maxWaitTimeInMs === undefined ? {} : { maxWaitTimeInMs: options.maxWaitTimeInMs }),
        sessionTimeout: options.sessionTimeoutMs,
        heartbeatInterval: Math.max(500, Math.floor(options.sessionTimeoutMs / 10)),
        rebalanceTimeout: 60_000,
        retry: { retries: 10, initialRetryTime: 300 },
      });
      const running = consumer;
      running.on(running.events.GROUP_JOIN, (event) => {
        // A (re)join or restart forgets pending seeks; a marker left from before would make the
        // next batch look like the answer to a seek and its gap be accepted. Seek again instead.
        soughtTo.clear();
        ready = consumer !== undefined;
        logger.info({ memberAssignment: event.payload.memberAssignment }, "joined the consumer group");
      });
      running.on(running.events.CRASH, (event) => {
        soughtTo.clear();
        ready = false;
        const { error, restart } = event.payload;
        // A restart after a retriable broker condition (a fresh broker's loading coordinator) is routine at first.
        const level = restart ? crashes.levelFor("error", `${error.name} ${error.message}`) : "error";
        logger[level]({ err: error, restart }, restart ? "consumer crashed; KafkaJS restarts it" : "consumer crashed");
        // Without a restart the process would stay up (healthz green) consuming nothing.
        if (!event.payload.restart) options.onFatal(event.payload.error);
      });
      running.on(running.events.STOP, () => {
        ready = false;
      });
      await running.connect();
      await running.subscribe({ topics: [...options.topics], fromBeginning: true });
      await running.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
        eachBatch: async ({ batch, heartbeat, resolveOffset, commitOffsetsIfNecessary, isRunning, isStale }) => {
          if (!isRunning() || isStale() || batch.isEmpty()) return;
          const { topic, partition } = batch;
          const partitionKey = `${topic}/${partition}`;
          const decision = await options.applyBatch({ topic, partition, messages: batch.messages }, heartbeat, soughtTo.get(partitionKey));
          if (decision.kind === "seek") {
            soughtTo.set(partitionKey, decision.offset);
            logger.info({ topic, partition, offset: decision.offset }, "fetch position ran ahead of the stored offset; seeking back");
            running.seek({ topic, partition, offset: decision.offset });
            return;
          }
          soughtTo.delete(partitionKey);
          resolveOffset(batch.lastOffset());
          options.onLag?.(topic, partition, Number(batch.offsetLag()));
          // A hint only (Postgres decides what is applied), so at most one commit per partition a second.
          const now = Date.now();
          if (now - (lastHintAt.get(partitionKey) ?? 0) >= HINT_INTERVAL_MS) {
            lastHintAt.set(partitionKey, now);
            try {
              await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: decision.nextOffset }] }] });
            } catch (error) {
              logger.warn({ err: error, topic, partition }, "could not commit the offset hint to Kafka");
            }
          }
          await heartbeat();
        },
      });
    },
    async stop() {
      const running = consumer;
      consumer = undefined;
      ready = false;
      if (running !== undefined) await running.disconnect();
    },
    isReady: () => ready,
  };
}

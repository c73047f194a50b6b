import type { Consumer, IHeaders, Kafka } from "kafkajs";
import type { Logger } from "@honorarium/shared";
import type { CounterMetrics } from "../../metrics.ts";
import type { BatchDecision, PartitionBatch } from "../../use-cases/apply-partition-batch.ts";
import type { InboundMessage } from "../../use-cases/topic-handler.ts";

export interface CountingConsumerOptions {
  kafka: Kafka;
  group: string;
  topics: readonly string[];
  partitionsConsumedConcurrently: number;
  maxBytesPerPartition: number;
  sessionTimeoutMs: number;
  metrics: CounterMetrics;
  logger: Logger;
  applyBatch: (batch: PartitionBatch, heartbeat: () => Promise<void>, acceptGapFrom: string | undefined) => Promise<BatchDecision>;
  /** KafkaJS gave up (a crash it will not restart from): the process should exit and be restarted. */
  onFatal: (error: Error) => void;
}

export interface CountingConsumer {
  start(): Promise<void>;
  /** Finishes the batch in hand, then leaves the group. */
  stop(): Promise<void>;
  isReady(): boolean;
}

function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) result[name] = first.toString();
  }
  return result;
}

const HINT_INTERVAL_MS = 1000;

/** A consumer group with eachBatch and auto-commit off: Postgres holds the offsets, Kafka gets a hint. */
export function createCountingConsumer(options: CountingConsumerOptions): CountingConsumer {
  const { logger, metrics } = options;
  let consumer: Consumer | undefined;
  let ready = false;
  // The offset last sought to per partition: a batch answering that seek at a later offset is a real gap.
  const soughtTo = new Map<string, string>();
  const lastHintAt = new Map<string, number>();

  return {
    async start() {
      consumer = options.kafka.consumer({
        groupId: options.group,
        maxBytesPerPartition: options.maxBytesPerPartition,
        // Bounds memory: one fetch response never holds more than a few partitions' worth.
        maxBytes: options.maxBytesPerPartition * 4,
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
        ready = true;
        logger.info({ memberAssignment: event.payload.memberAssignment }, "joined the consumer group");
      });
      running.on(running.events.CRASH, (event) => {
        soughtTo.clear();
        ready = false;
        logger.error({ err: event.payload.error, restart: event.payload.restart }, "consumer crashed");
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
          const messages: InboundMessage[] = batch.messages.map((message) => ({
            offset: message.offset,
            key: message.key ?? null,
            value: message.value ?? null,
            headers: headersToStrings(message.headers),
          }));
          const partitionKey = `${topic}/${partition}`;
          const decision = await options.applyBatch({ topic, partition, messages }, heartbeat, soughtTo.get(partitionKey));
          if (decision.kind === "seek") {
            soughtTo.set(partitionKey, decision.offset);
            running.seek({ topic, partition, offset: decision.offset });
            return;
          }
          soughtTo.delete(partitionKey);
          resolveOffset(batch.lastOffset());
          metrics.lag.set({ topic, partition: String(partition) }, Number(batch.offsetLag()));
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

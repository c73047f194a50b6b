import type { Consumer, Kafka, KafkaMessage } from "kafkajs";
import type { Logger } from "pino";
import { TRANSIENT_BROKER_GRACE_MS } from "./kafka.ts";
import { createTransientFaultGate, isConfigurationError } from "./transient-faults.ts";

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
   * (shared/db consumer-offsets). `acceptGapFrom` is the offset last sought to on this partition,
   * given only once Kafka has answered that seek twice with the same later first offset: then the
   * offsets between do not exist (transaction markers, retention) and the gap is accepted instead of
   * seeking forever. One such answer is not enough: a batch fetched before the seek took effect
   * looks exactly like it, and accepting it skipped the offsets between (an undercount).
   */
  applyBatch: (batch: PartitionBatch, heartbeat: () => Promise<void>, acceptGapFrom: string | undefined) => Promise<BatchDecision>;
  onLag?: (topic: string, partition: number, lag: number) => void;
  /**
   * A configuration error (authorisation, an invalid group, an unsupported setting): retrying
   * cannot help, so the process should exit. Every other crash is retried here, never fatal.
   */
  onFatal: (error: Error) => void;
  /** Delays between re-creations of a consumer KafkaJS will not restart; the last one repeats. */
  recreateDelaysMs?: readonly number[];
}

export interface PostgresOffsetsConsumer {
  start(): Promise<void>;
  /** Finishes the batch in hand, then leaves the group. */
  stop(): Promise<void>;
  /**
   * In the group and alive: a heartbeat, fetch or batch within LIVENESS_MS. False after a crash
   * until the rejoin, while the broker is silent, and after stop.
   */
  isReady(): boolean;
}

const HINT_INTERVAL_MS = 1000;
/** Heartbeats come every sessionTimeout/10 (≤ 3 s) and idle fetches every ≤ 5 s: 10 s of silence is an outage. */
export const CONSUMER_LIVENESS_MS = 10_000;
/**
 * Short and capped on purpose: a consumer waiting 30 s between attempts would stay down long after
 * the broker is back (readiness must return within 15 s of the broker's return).
 */
const RECREATE_DELAYS_MS: readonly number[] = [500, 1000, 2000, 4000, 5000];

/**
 * DESIGN.md "Exactly-once": a consumer group with eachBatch and auto-commit off, whose positions
 * live in Postgres beside what the messages changed; Kafka's committed offset is only a hint for
 * where to fetch after a restart. The counter and the notifier both consume through this.
 *
 * Faults: KafkaJS restarts itself after retriable errors, but not after a few it calls
 * non-retriable although they pass with time ("Failed to find group coordinator" while a broker
 * restarts). Those are retried here by a fresh consumer, with backoff, for as long as they last;
 * only configuration errors (isConfigurationError) end the consumer, through onFatal.
 */
export function createPostgresOffsetsConsumer(options: PostgresOffsetsConsumerOptions): PostgresOffsetsConsumer {
  const { logger } = options;
  const delays = options.recreateDelaysMs ?? RECREATE_DELAYS_MS;
  let consumer: Consumer | undefined;
  let joined = false;
  let stopping = false;
  let lastAliveAt = 0;
  let recreateTimer: NodeJS.Timeout | undefined;
  let recreateAttempt = 0;
  // The offset last sought to per partition, and the first offset of a batch that answered it later
  // (once). The same later answer twice is a real gap; once may be a batch fetched before the seek.
  const soughtTo = new Map<string, { offset: string; answeredAt: string | undefined }>();
  const lastHintAt = new Map<string, number>();
  const crashes = createTransientFaultGate({ graceMs: TRANSIENT_BROKER_GRACE_MS });
  const alive = () => {
    lastAliveAt = Date.now();
  };

  function fatal(error: Error): void {
    joined = false;
    logger.fatal({ err: error }, "consumer configuration error; retrying cannot help");
    options.onFatal(error);
  }

  /** A consumer KafkaJS gave up on: a new one after a delay, again and again while the fault lasts. */
  function scheduleRecreate(failed: Consumer, error: Error): void {
    if (stopping || recreateTimer !== undefined) return;
    const delay = delays[Math.min(recreateAttempt, delays.length - 1)] ?? 1000;
    recreateAttempt += 1;
    const level = crashes.levelFor("warn", `${error.name} ${error.message}`);
    logger[level]({ err: error, attempt: recreateAttempt, delayMs: delay }, "consumer stopped by a fault; a new one joins after a delay");
    recreateTimer = setTimeout(() => {
      recreateTimer = undefined;
      if (stopping) return;
      void failed
        .disconnect()
        .catch(() => undefined)
        .then(() => (stopping ? undefined : runConsumer()))
        .catch((startError: unknown) => {
          const cause = startError instanceof Error ? startError : new Error(String(startError));
          if (isConfigurationError(cause)) fatal(cause);
          else if (consumer !== undefined) scheduleRecreate(consumer, cause);
        });
    }, delay);
    recreateTimer.unref?.();
  }

  async function runConsumer(): Promise<void> {
    const running = options.kafka.consumer({
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
      retry: {
        retries: 10,
        initialRetryTime: 300,
        // KafkaJS doubles its retry delay up to 30 s by default: after an outage of a few seconds
        // the consumer would sleep on long after the broker is back. Capped, it looks every ≤ 2 s.
        maxRetryTime: 2000,
        // KafkaJS's restart policy: it restarts after retriable errors unless this says no.
        restartOnFailure: async (error: Error) => !isConfigurationError(error),
      },
    });
    consumer = running;
    running.on(running.events.GROUP_JOIN, (event) => {
      // A (re)join or restart forgets pending seeks; a marker left from before would make the
      // next batch look like the answer to a seek and its gap be accepted. Seek again instead.
      soughtTo.clear();
      joined = consumer === running;
      recreateAttempt = 0;
      alive();
      logger.info({ memberAssignment: event.payload.memberAssignment }, "joined the consumer group");
    });
    for (const name of [running.events.HEARTBEAT, running.events.FETCH, running.events.START_BATCH_PROCESS] as const) {
      running.on(name, alive);
    }
    running.on(running.events.CRASH, (event) => {
      soughtTo.clear();
      joined = false;
      const { error, restart } = event.payload;
      // A restart after a retriable broker condition (a fresh broker's loading coordinator) is routine at first.
      const level = crashes.levelFor("error", `${error.name} ${error.message}`);
      logger[level](
        { err: error, restart },
        restart ? "consumer crashed; KafkaJS restarts it" : "consumer crashed; KafkaJS will not restart it",
      );
      if (restart || consumer !== running) return;
      if (isConfigurationError(error)) fatal(error);
      else scheduleRecreate(running, error);
    });
    running.on(running.events.STOP, () => {
      joined = false;
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
        const first = batch.firstOffset() ?? "";
        const sought = soughtTo.get(partitionKey);
        const acceptGapFrom = sought !== undefined && sought.answeredAt === first ? sought.offset : undefined;
        const decision = await options.applyBatch({ topic, partition, messages: batch.messages }, heartbeat, acceptGapFrom);
        alive();
        if (decision.kind === "seek") {
          // Sought to the same offset again: remember where this answer began; the next like it is a real gap.
          soughtTo.set(partitionKey, { offset: decision.offset, answeredAt: sought?.offset === decision.offset ? first : undefined });
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
  }

  return {
    async start() {
      stopping = false;
      // A fresh or restarting broker answers the first join with retriable conditions ("does not
      // host this topic-partition" right after the topics were created): start-up waits them out
      // too, and fails only on a configuration error.
      for (let attempt = 0; ; attempt += 1) {
        try {
          await runConsumer();
          return;
        } catch (error) {
          const cause = error instanceof Error ? error : new Error(String(error));
          if (isConfigurationError(cause)) throw cause;
          await consumer?.disconnect().catch(() => undefined);
          if (stopping) return;
          const delay = delays[Math.min(attempt, delays.length - 1)] ?? 1000;
          logger[crashes.levelFor("warn", `${cause.name} ${cause.message}`)](
            { err: cause, attempt: attempt + 1, delayMs: delay },
            "consumer could not start; retrying",
          );
          await new Promise((resolve) => setTimeout(resolve, delay));
          if (stopping) return;
        }
      }
    },
    async stop() {
      stopping = true;
      clearTimeout(recreateTimer);
      recreateTimer = undefined;
      const running = consumer;
      consumer = undefined;
      joined = false;
      if (running !== undefined) await running.disconnect();
    },
    isReady: () => joined && Date.now() - lastAliveAt < CONSUMER_LIVENESS_MS,
  };
}

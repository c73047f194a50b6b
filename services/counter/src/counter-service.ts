import type { Logger } from "@honorarium/shared";
import { TOPICS, deadLetterTopicOf } from "@honorarium/shared/contracts";
import { createDatabase, databaseIsReachable } from "@honorarium/shared/db";
import {
  connectRedisBestEffort,
  createKafka,
  createKafkaProbe,
  createMetricsRegistry,
  createOpsServer,
  createRedis,
  createTopicConsumer,
  ensureTopics,
  type TopicHandler,
} from "@honorarium/shared/infra";
import { createOutboxPublisher } from "./adapters/kafka/outbox-publisher.ts";
import { insertOutboxMessages } from "./adapters/postgres/outbox.ts";
import { createLiveUpdatesPublisher } from "./adapters/redis/live-updates.ts";
import type { CounterConfig } from "./config.ts";
import { createCounterMetrics } from "./metrics.ts";
import { createCountingHandler } from "./use-cases/counting-handler.ts";
import { createDeliveryHandler } from "./use-cases/delivery-handler.ts";
import { createOutboxRelay } from "./use-cases/relay-outbox.ts";

/** Which handler applies which topic. A configured topic must end in one of these names. */
const HANDLER_KINDS = {
  [TOPICS.assignmentConfirmed]: "confirmed",
  [TOPICS.assignmentCancelled]: "cancelled",
  [TOPICS.assignmentDelivery]: "delivery",
} as const;

export type HandlerKind = (typeof HANDLER_KINDS)[keyof typeof HANDLER_KINDS];

export function handlerKindOfTopic(topic: string): HandlerKind {
  for (const [name, kind] of Object.entries(HANDLER_KINDS)) {
    // Suffix match lets tests (and staging) prefix topic names.
    if (topic === name || topic.endsWith(`.${name}`) || topic.endsWith(`-${name}`)) return kind;
  }
  throw new Error(`COUNTER_TOPICS: no handler for topic ${topic} (known: ${Object.keys(HANDLER_KINDS).join(", ")})`);
}

export interface CounterService {
  start(): Promise<{ httpPort: number }>;
  /** Finishes the batch in hand, leaves the group, flushes the relay, closes everything. */
  stop(): Promise<void>;
}

export interface CounterServiceHooks {
  /** A consumer configuration error (no retry can fix it); the entrypoint exits. Faults are retried. */
  onFatal?: (error: Error) => void;
}

export function createCounterService(config: CounterConfig, logger: Logger, hooks: CounterServiceHooks = {}): CounterService {
  const db = createDatabase(config.DATABASE_URL, { poolMax: config.COUNTER_PARTITIONS_CONCURRENTLY * 3 + 2, applicationName: "counter" });
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, logger });
  const kafkaProbe = createKafkaProbe({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID });
  const redis = createRedis(config.REDIS_URL, logger, "counter-redis");
  const registry = createMetricsRegistry("counter");
  const metrics = createCounterMetrics(registry);
  const liveUpdates = createLiveUpdatesPublisher(redis, logger, metrics, config.LIVE_UPDATES_PREFIX);
  const publishChanges = config.COUNTER_LIVE_UPDATES ? liveUpdates.publish : async () => undefined;

  const handlerOf = (topic: string): TopicHandler => {
    const kind = handlerKindOfTopic(topic);
    if (kind === "delivery") return createDeliveryHandler({ maxMessageBytes: config.COUNTER_MAX_MESSAGE_BYTES });
    return createCountingHandler({
      db,
      kind,
      maxMessageBytes: config.COUNTER_MAX_MESSAGE_BYTES,
      thresholdCrossedTopic: config.COUNTER_THRESHOLD_CROSSED_TOPIC,
      publishChanges,
      onTimings: (timings) => logger.debug({ topic, ...timings }, "batch stages (ms)"),
    });
  };
  const handlers = new Map<string, TopicHandler>(config.COUNTER_TOPICS.map((topic) => [topic, handlerOf(topic)]));
  const consumer = createTopicConsumer({
    kafka,
    db,
    group: config.COUNTER_GROUP_ID,
    handlers,
    startAt: "log-start",
    partitionsConsumedConcurrently: config.COUNTER_PARTITIONS_CONCURRENTLY,
    maxBytesPerPartition: config.COUNTER_MAX_BYTES_PER_PARTITION,
    sessionTimeoutMs: config.COUNTER_SESSION_TIMEOUT_MS,
    groupProtocol: config.COUNTER_GROUP_PROTOCOL,
    groupInstanceId: config.COUNTER_GROUP_INSTANCE_ID,
    logger,
    // Into the outbox, in the batch's transaction; the relay publishes them (keys and headers made storable there).
    writeDeadLetters: (trx, records) =>
      insertOutboxMessages(
        trx,
        records.map((record) => ({ kind: "dead_letter", ...record, payload: record.value, eventId: null })),
      ),
    onCommitted: (batch) => {
      const topic = batch.topic;
      metrics.skipped.inc({ topic }, batch.skipped);
      for (const letter of batch.deadLetters) metrics.deadLetters.inc({ topic, code: letter.errorCode });
      for (const [outcome, count] of Object.entries(batch.outcomes)) metrics.events.inc({ topic, outcome }, count);
      if (batch.fresh > 0) metrics.batchSize.observe({ topic }, batch.fresh);
      metrics.batchSeconds.observe({ topic }, batch.seconds);
    },
    onSeek: (topic) => metrics.seeks.inc({ topic }),
    onLag: (topic, partition, lag) => metrics.lag.set({ topic, partition: String(partition) }, lag),
    onFatal: hooks.onFatal ?? (() => undefined),
  });
  const relay = createOutboxRelay({
    db,
    databaseUrl: config.DATABASE_URL,
    publisher: createOutboxPublisher(kafka),
    batchSize: config.COUNTER_RELAY_BATCH_SIZE,
    pollMs: config.COUNTER_RELAY_POLL_MS,
    maxAttempts: config.COUNTER_RELAY_MAX_ATTEMPTS,
    metrics,
    logger,
  });
  const ops = createOpsServer({
    port: config.COUNTER_HTTP_PORT,
    registry,
    logger,
    readiness: {
      database: () => databaseIsReachable(db),
      kafka: () => kafkaProbe.check(),
      consumerGroup: async () => consumer.isReady(),
    },
  });

  return {
    async start() {
      // Input topics too: a counter that starts before the upstream's first event must not fail to subscribe.
      await ensureTopics(kafka, [
        { topic: config.COUNTER_THRESHOLD_CROSSED_TOPIC },
        ...config.COUNTER_TOPICS.flatMap((topic) => [{ topic }, { topic: deadLetterTopicOf(topic) }]),
      ]);
      if (!(await connectRedisBestEffort(redis))) logger.warn("redis not reachable; live updates wait for it");
      const { port } = await ops.start();
      await relay.start();
      await consumer.start();
      logger.info({ group: config.COUNTER_GROUP_ID, topics: config.COUNTER_TOPICS, httpPort: port }, "counter started");
      return { httpPort: port };
    },
    async stop() {
      await consumer.stop();
      await relay.stop();
      await ops.stop();
      await kafkaProbe.stop();
      await liveUpdates.flush();
      redis.disconnect();
      await db.destroy();
    },
  };
}

import { randomUUID } from "node:crypto";
import { createLogger, deadLetterTopicOf, type Logger, runMain } from "@honorarium/shared";
import { createDatabase, databaseIsReachable, PG_CHANNELS } from "@honorarium/shared/db";
import {
  connectRedisBestEffort,
  createKafka,
  createKafkaProbe,
  createMetricsRegistry,
  createOpsServer,
  createPgListener,
  createRedis,
  createTopicConsumer,
  createShutdown,
  ensureTopics,
} from "@honorarium/shared/infra";
import { loadNotifierConfig, type NotifierConfig } from "./config.ts";
import { createGuardedHttp } from "./adapters/http/guarded-http.ts";
import { createDeadLetterProducer } from "./adapters/kafka/dead-letter-producer.ts";
import { queueDepth } from "./adapters/postgres/notification-store.ts";
import { createLeaderLock } from "./adapters/redis/leader-lock.ts";
import { createNotifierMetrics } from "./metrics.ts";
import { createDispatcher } from "./use-cases/dispatch-jobs.ts";
import { createThresholdIngest } from "./use-cases/ingest-threshold-events.ts";
import { createReminderScheduler } from "./use-cases/schedule-reminders.ts";

export const SERVICE_NAME = "notifier";
export const REMINDER_LOCK_KEY = "reminders:leader";

export interface Notifier {
  /** Starts consuming, dispatching and scheduling; resolves with the ops server's port. */
  start(): Promise<{ httpPort: number }>;
  /** Stops intake first, lets in-flight sends finish and record, then closes every pool. */
  stop(): Promise<void>;
}

export interface NotifierHooks {
  /** A consumer configuration error (no retry can fix it); the entrypoint exits. Faults are retried. */
  onFatal?: (error: Error) => void;
}

/** Wires the notifier from its configuration. Nothing starts until start(). */
export function createNotifier(
  config: NotifierConfig,
  logger: Logger = createLogger(SERVICE_NAME, config.logLevel),
  hooks: NotifierHooks = {},
): Notifier {
  const db = createDatabase(config.databaseUrl, {
    poolMax: config.dispatchWorkers + config.partitionsConcurrently + 3,
    applicationName: SERVICE_NAME,
  });
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: `${config.kafkaClientId}-${SERVICE_NAME}`, logger });
  const kafkaProbe = createKafkaProbe({ brokers: config.kafkaBrokers, clientId: `${config.kafkaClientId}-${SERVICE_NAME}` });
  const redis = createRedis(config.redisUrl, logger);
  const http = createGuardedHttp({ allowHosts: config.webhookAllowHosts, timeoutMs: config.sendTimeoutMs });
  const registry = createMetricsRegistry(SERVICE_NAME);
  const metrics = createNotifierMetrics(registry, () => queueDepth(db));
  const deadLetters = createDeadLetterProducer(kafka);
  const webPushEnabled = config.vapid !== undefined;

  const dispatcher = createDispatcher({
    db,
    http,
    vapid: config.vapid,
    maxAttempts: config.maxAttempts,
    claimLeaseMs: config.claimLeaseMs,
    batchSize: config.dispatchBatchSize,
    claimLoops: config.dispatchWorkers,
    // Workers used to each hold one batch; now every claimed job is sent on its own, so the
    // same product bounds the sends in flight.
    maxInFlight: config.dispatchWorkers * config.dispatchBatchSize,
    endpointConcurrency: config.endpointConcurrency,
    endpointRatePerSecond: config.endpointRatePerSecond,
    webhookHealth: { maxConsecutiveFailures: config.webhookDisableAfterFailures, maxFailingMs: config.webhookDisableAfterMs },
    pollIntervalMs: config.pollIntervalMs,
    metrics,
    logger,
  });
  const listener = createPgListener({
    databaseUrl: config.databaseUrl,
    channel: PG_CHANNELS.notificationJobsDue,
    applicationName: "notifier-listen",
    logger,
    onNotify: () => dispatcher.wake(),
  });
  const consumer = createTopicConsumer({
    kafka,
    db,
    group: config.consumerGroup,
    handlers: new Map([[config.inputTopic, createThresholdIngest({ webPushEnabled, deepLinkBaseUrl: config.deepLinkBaseUrl, metrics })]]),
    // A new notifier database does not notify every crossing the topic still holds.
    startAt: "first-delivered",
    partitionsConsumedConcurrently: config.partitionsConcurrently,
    // Notifications are due within 60 s: an idle fetch returns after 100 ms, not after the client's default 5 s.
    maxWaitTimeInMs: 100,
    sessionTimeoutMs: config.kafkaSessionTimeoutMs,
    groupProtocol: config.groupProtocol,
    groupInstanceId: config.groupInstanceId,
    logger,
    // Straight to <topic>.dlq, acknowledged before the batch commits (see createDeadLetterProducer).
    writeDeadLetters: (_trx, records) => deadLetters.send(records),
    onCommitted: (batch) => {
      metrics.deadLetters.inc(batch.deadLetters.length);
      metrics.eventsIngested.inc(batch.outcomes.ingested ?? 0);
    },
    onLag: (_topic, partition, lag) => metrics.consumerLag.set({ partition: String(partition) }, lag),
    onFatal: hooks.onFatal ?? (() => undefined),
  });
  const reminders = createReminderScheduler({
    db,
    afterDays: config.reminderAfterDays,
    digestHour: config.digestHour,
    webPushEnabled,
    deepLinkBaseUrl: config.deepLinkBaseUrl,
    metrics,
    logger,
    intervalMs: config.reminderIntervalMs,
    // The lock outlives a few missed ticks, so a paused leader is replaced but not at every blip.
    lock: createLeaderLock(
      redis,
      `${config.redisKeyPrefix}${REMINDER_LOCK_KEY}`,
      `${SERVICE_NAME}-${randomUUID()}`,
      config.reminderIntervalMs * 3,
    ),
  });
  const ops = createOpsServer({
    port: config.httpPort,
    registry,
    logger,
    readiness: {
      database: () => databaseIsReachable(db),
      kafka: () => kafkaProbe.check(),
      consumer: async () => consumer.isReady(),
    },
  });

  let started = false;
  return {
    async start() {
      if (!webPushEnabled) {
        logger.warn(
          "NOTIFIER_VAPID_PUBLIC_KEY, NOTIFIER_VAPID_PRIVATE_KEY or NOTIFIER_VAPID_SUBJECT not set: the web_push channel is disabled",
        );
      }
      started = true;
      const { port } = await ops.start();
      await ensureTopics(kafka, [
        { topic: config.inputTopic, numPartitions: config.topicPartitions },
        { topic: deadLetterTopicOf(config.inputTopic), numPartitions: config.topicPartitions },
      ]);
      await connectRedisBestEffort(redis);
      await deadLetters.start();
      dispatcher.start();
      await listener.start();
      await consumer.start();
      reminders.start();
      logger.info({ topic: config.inputTopic, group: config.consumerGroup, httpPort: port, webPushEnabled }, "notifier started");
      return { httpPort: port };
    },
    async stop() {
      if (!started) return;
      started = false;
      const step = async (name: string, action: () => Promise<unknown>) => {
        try {
          await action();
        } catch (error) {
          logger.error({ err: error, step: name }, "error while stopping");
        }
      };
      await step("consumer", () => consumer.stop());
      await step("reminders", () => reminders.stop());
      await step("listener", () => listener.stop());
      await step("dispatcher", () => dispatcher.stop());
      await step("dead letters", () => deadLetters.stop());
      await step("ops server", () => ops.stop());
      await step("kafka probe", () => kafkaProbe.stop());
      http.close();
      await step("redis", async () => redis.disconnect());
      await step("database", () => db.destroy());
      logger.info("notifier stopped");
    },
  };
}

if (import.meta.main) {
  runMain(async () => {
    const config = loadNotifierConfig();
    const logger = createLogger(SERVICE_NAME, config.logLevel);
    const shutdown = createShutdown(logger);
    const notifier = createNotifier(config, logger, {
      // Broker and database faults are waited out; only a configuration error ends the process
      // (exit 2, as for invalid env), for the operator to fix.
      onFatal: () => shutdown.terminate("consumer configuration error", 2),
    });
    shutdown.register("notifier", () => notifier.stop());
    shutdown.installSignalHandlers();
    await notifier.start();
  });
}

import { z } from "zod";
import { type AllowedHostPort, TOPICS, commonEnvShape, envVar, loadEnv } from "@honorarium/shared";
import { GROUP_PROTOCOLS, type GroupProtocol } from "@honorarium/shared/infra";

export const notifierEnvSchema = z
  .object({
    ...commonEnvShape,
    NOTIFIER_HTTP_PORT: envVar.port(9465),
    NOTIFIER_INPUT_TOPIC: z.string().min(1).default(TOPICS.thresholdCrossed),
    NOTIFIER_CONSUMER_GROUP: z.string().min(1).default("notifier"),
    NOTIFIER_TOPIC_PARTITIONS: envVar.positiveInt(3),
    /** As COUNTER_SESSION_TIMEOUT_MS: how long the group waits for a silent member; the broker bounds it. */
    NOTIFIER_KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(1_000).optional(),
    /** As COUNTER_GROUP_PROTOCOL: consumer (KIP-848) or classic (brokers before Kafka 4.0). */
    NOTIFIER_GROUP_PROTOCOL: z.enum(GROUP_PROTOCOLS).default("consumer"),
    /** Static group membership, as COUNTER_GROUP_INSTANCE_ID: unique per running instance, stable across its restarts. */
    NOTIFIER_GROUP_INSTANCE_ID: z
      .string()
      .regex(/^[a-zA-Z0-9._-]{1,249}$/, "letters, digits, . _ - (at most 249)")
      .optional(),
    NOTIFIER_DEEP_LINK_BASE_URL: envVar.url("http://localhost:3000"),
    NOTIFIER_WEBHOOK_ALLOW_HOSTS: envVar.hostPorts(),
    NOTIFIER_VAPID_PUBLIC_KEY: z.string().min(1).optional(),
    NOTIFIER_VAPID_PRIVATE_KEY: z.string().min(1).optional(),
    NOTIFIER_VAPID_SUBJECT: z
      .string()
      .regex(/^(mailto:|https:\/\/)/, "a mailto: or https: URL")
      .optional(),
    NOTIFIER_MAX_ATTEMPTS: envVar.positiveInt(10),
    NOTIFIER_SEND_TIMEOUT_MS: envVar.positiveInt(10_000),
    NOTIFIER_CLAIM_LEASE_MS: envVar.positiveInt(20_000),
    NOTIFIER_DISPATCH_WORKERS: envVar.positiveInt(4),
    /**
     * Partition batches ingested side by side. A batch is ~7 sequential statements; after a
     * takeover (a killed notifier's partitions) each partition's first batch waits for a free lane:
     * with 3, 12 partitions committed again over 1.7 s under load, one after the other.
     */
    NOTIFIER_PARTITIONS_CONCURRENTLY: envVar.positiveInt(6),
    NOTIFIER_DISPATCH_BATCH_SIZE: envVar.positiveInt(50),
    NOTIFIER_POLL_INTERVAL_MS: envVar.positiveInt(1000),
    NOTIFIER_ENDPOINT_CONCURRENCY: envVar.positiveInt(100),
    NOTIFIER_ENDPOINT_RATE_PER_SECOND: envVar.positiveInt(5000),
    NOTIFIER_WEBHOOK_DISABLE_AFTER_FAILURES: envVar.positiveInt(50),
    NOTIFIER_WEBHOOK_DISABLE_AFTER_HOURS: envVar.positiveInt(72),
    NOTIFIER_REMINDER_INTERVAL_MS: envVar.positiveInt(60_000),
    NOTIFIER_REMINDER_AFTER_DAYS: envVar.positiveInt(10),
    /** The organisation's local hour from which the daily digest of the day before goes out (0-23). */
    NOTIFIER_DIGEST_HOUR: z.coerce.number().int().min(0).max(23).default(7),
    NOTIFIER_REDIS_KEY_PREFIX: z.string().min(1).default("notifier:"),
  })
  .refine((env) => env.NOTIFIER_CLAIM_LEASE_MS > env.NOTIFIER_SEND_TIMEOUT_MS, {
    path: ["NOTIFIER_CLAIM_LEASE_MS"],
    message: "must be longer than NOTIFIER_SEND_TIMEOUT_MS (a claimed job must not be re-sent while its send can still run)",
  });

export type NotifierEnv = z.infer<typeof notifierEnvSchema>;

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  subject: string;
}

export interface NotifierConfig {
  databaseUrl: string;
  redisUrl: string;
  kafkaBrokers: string[];
  kafkaClientId: string;
  logLevel: NotifierEnv["LOG_LEVEL"];
  httpPort: number;
  inputTopic: string;
  consumerGroup: string;
  topicPartitions: number;
  /** How long the group waits for a dead instance before its partitions move (undefined: the protocol's default). */
  kafkaSessionTimeoutMs: number | undefined;
  groupProtocol: GroupProtocol;
  /** Static group membership (undefined: a dynamic member). */
  groupInstanceId?: string;
  deepLinkBaseUrl: string;
  /** host:port targets that may be reached over plain http and on private addresses (tests, local demos). */
  webhookAllowHosts: AllowedHostPort[];
  /** undefined: the web_push channel is disabled. */
  vapid: VapidKeys | undefined;
  maxAttempts: number;
  sendTimeoutMs: number;
  claimLeaseMs: number;
  dispatchWorkers: number;
  partitionsConcurrently: number;
  dispatchBatchSize: number;
  pollIntervalMs: number;
  /** Sends in flight at most to one organization's webhook (per instance). */
  endpointConcurrency: number;
  /** Sends started at most per second to one organization's webhook (per instance). */
  endpointRatePerSecond: number;
  /** A webhook is switched off after this many consecutive permanent failures... */
  webhookDisableAfterFailures: number;
  /** ...or after failing without a success for this long. */
  webhookDisableAfterMs: number;
  reminderIntervalMs: number;
  reminderAfterDays: number;
  digestHour: number;
  redisKeyPrefix: string;
}

export function configFromEnv(env: NotifierEnv): NotifierConfig {
  const { NOTIFIER_VAPID_PUBLIC_KEY: publicKey, NOTIFIER_VAPID_PRIVATE_KEY: privateKey, NOTIFIER_VAPID_SUBJECT: subject } = env;
  return {
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    kafkaBrokers: env.KAFKA_BROKERS,
    kafkaClientId: env.KAFKA_CLIENT_ID,
    logLevel: env.LOG_LEVEL,
    httpPort: env.NOTIFIER_HTTP_PORT,
    inputTopic: env.NOTIFIER_INPUT_TOPIC,
    consumerGroup: env.NOTIFIER_CONSUMER_GROUP,
    topicPartitions: env.NOTIFIER_TOPIC_PARTITIONS,
    kafkaSessionTimeoutMs: env.NOTIFIER_KAFKA_SESSION_TIMEOUT_MS,
    groupProtocol: env.NOTIFIER_GROUP_PROTOCOL,
    groupInstanceId: env.NOTIFIER_GROUP_INSTANCE_ID,
    deepLinkBaseUrl: env.NOTIFIER_DEEP_LINK_BASE_URL.replace(/\/+$/, ""),
    webhookAllowHosts: env.NOTIFIER_WEBHOOK_ALLOW_HOSTS,
    vapid: publicKey !== undefined && privateKey !== undefined && subject !== undefined ? { publicKey, privateKey, subject } : undefined,
    maxAttempts: env.NOTIFIER_MAX_ATTEMPTS,
    sendTimeoutMs: env.NOTIFIER_SEND_TIMEOUT_MS,
    claimLeaseMs: env.NOTIFIER_CLAIM_LEASE_MS,
    dispatchWorkers: env.NOTIFIER_DISPATCH_WORKERS,
    partitionsConcurrently: env.NOTIFIER_PARTITIONS_CONCURRENTLY,
    dispatchBatchSize: env.NOTIFIER_DISPATCH_BATCH_SIZE,
    pollIntervalMs: env.NOTIFIER_POLL_INTERVAL_MS,
    endpointConcurrency: env.NOTIFIER_ENDPOINT_CONCURRENCY,
    endpointRatePerSecond: env.NOTIFIER_ENDPOINT_RATE_PER_SECOND,
    webhookDisableAfterFailures: env.NOTIFIER_WEBHOOK_DISABLE_AFTER_FAILURES,
    webhookDisableAfterMs: env.NOTIFIER_WEBHOOK_DISABLE_AFTER_HOURS * 3_600_000,
    reminderIntervalMs: env.NOTIFIER_REMINDER_INTERVAL_MS,
    reminderAfterDays: env.NOTIFIER_REMINDER_AFTER_DAYS,
    digestHour: env.NOTIFIER_DIGEST_HOUR,
    redisKeyPrefix: env.NOTIFIER_REDIS_KEY_PREFIX,
  };
}

/** Reads and validates the environment (process.env by default). */
export function loadNotifierConfig(source: Record<string, string | undefined> = process.env): NotifierConfig {
  return configFromEnv(loadEnv(notifierEnvSchema, source));
}

import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import type { Kafka } from "kafkajs";
import webpush from "web-push";
import type { Knex } from "@honorarium/shared/db";
import { freshThresholdCrossed, type ThresholdCrossed } from "@honorarium/shared/contracts";
import type { TestServices } from "@honorarium/shared/testing";
import { uniqueName } from "@honorarium/shared/testing";
import type { NotifierConfig } from "../src/config.ts";

declare module "vitest" {
  export interface ProvidedContext {
    testServices: TestServices;
  }
}

export interface ReceivedWebhook {
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
}

/** Decides the status for the n-th request (1-based) to a path. */
export type ReceiverBehaviour = (path: string, attempt: number) => number;

/** A local webhook receiver on 127.0.0.1, port 0. It records every request. */
export interface WebhookReceiver {
  url(path: string): string;
  received: ReceivedWebhook[];
  /** Requests per webhook-id. */
  countsById(): Map<string, number>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(behaviour: ReceiverBehaviour = () => 204, delayMs = 0): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const perPath = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = req.url ?? "/";
      const attempt = (perPath.get(path) ?? 0) + 1;
      perPath.set(path, attempt);
      const status = behaviour(path, attempt);
      const respond = () => {
        received.push({ path, headers: flatHeaders(req.headers), body: Buffer.concat(chunks).toString("utf8"), status });
        res.writeHead(status).end();
      };
      if (delayMs > 0) setTimeout(respond, delayMs);
      else respond();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received,
    countsById() {
      const counts = new Map<string, number>();
      for (const request of received) {
        const id = request.headers["webhook-id"] ?? "";
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return counts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(",") : String(value)]));
}

interface PushApiModelInstance {
  notifyUrl: string;
  subscribe(options: { userVisibleOnly: string; applicationServerKey: string }): Promise<{
    endpoint: string;
    keys: { p256dh: string; auth: string };
    clientHash: string;
  }>;
  handleNotification(
    clientHash: string,
    headers: { encoding?: string; encryption?: string; cryptoKey?: string; authorization?: string; ttl?: string },
    body: Buffer,
  ): Promise<void>;
  expireSubscription(clientHash: string): void;
  getNotifications(request: { clientHash: string }): { messages: string[] };
}

const requireCjs = createRequire(import.meta.url);
const { PushApiModel, SubscriptionExpiredError } = requireCjs("web-push-testing/src/PushApiModel.js") as {
  PushApiModel: new () => PushApiModelInstance;
  SubscriptionExpiredError: new (message: string) => Error;
};

/**
 * A mock Web Push service: web-push-testing's model (it checks the VAPID JWT and decrypts the
 * aes128gcm payload like a real push service) behind a plain http server on 127.0.0.1, port 0.
 */
export interface MockPushService {
  subscribe(vapidPublicKey: string): Promise<{ endpoint: string; p256dh: string; auth: string; clientHash: string }>;
  messages(clientHash: string): string[];
  expire(clientHash: string): void;
  close(): Promise<void>;
}

export async function startMockPushService(): Promise<MockPushService> {
  const model = new PushApiModel();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const match = /^\/notify\/([0-9a-f]+)$/.exec(req.url ?? "");
      if (req.method !== "POST" || match === null) return void res.writeHead(404).end();
      const header = (name: string) => {
        const value = req.headers[name];
        return Array.isArray(value) ? value[0] : value;
      };
      model
        .handleNotification(
          match[1] ?? "",
          {
            encoding: header("content-encoding"),
            encryption: header("encryption"),
            cryptoKey: header("crypto-key"),
            authorization: header("authorization"),
            ttl: header("ttl"),
          },
          Buffer.concat(chunks),
        )
        .then(() => res.writeHead(201).end())
        .catch((error: unknown) => res.writeHead(error instanceof SubscriptionExpiredError ? 410 : 400).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  model.notifyUrl = `http://127.0.0.1:${port}/notify/`;
  return {
    async subscribe(vapidPublicKey) {
      const subscription = await model.subscribe({ userVisibleOnly: "true", applicationServerKey: vapidPublicKey });
      return { endpoint: subscription.endpoint, ...subscription.keys, clientHash: subscription.clientHash };
    },
    messages: (clientHash) => model.getNotifications({ clientHash }).messages,
    expire: (clientHash) => model.expireSubscription(clientHash),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const WEBHOOK_SECRET = `whsec_${Buffer.alloc(32, 9).toString("base64")}`;

export function vapidKeys(): { publicKey: string; privateKey: string; subject: string } {
  return { ...webpush.generateVAPIDKeys(), subject: "mailto:ops@example.org" };
}

/** A notifier configuration for tests: unique topic and group, quick polling and retries. */
export function testConfig(services: TestServices, databaseUrl: string, overrides: Partial<NotifierConfig> = {}): NotifierConfig {
  return {
    databaseUrl,
    redisUrl: services.redisUrl,
    kafkaBrokers: services.kafkaBrokers,
    kafkaClientId: uniqueName("notifier-test"),
    logLevel: "warn",
    httpPort: 0,
    inputTopic: uniqueName("threshold-crossed"),
    consumerGroup: uniqueName("notifier"),
    topicPartitions: 3,
    kafkaSessionTimeoutMs: 6_000,
    groupProtocol: "consumer",
    deepLinkBaseUrl: "https://portal.example",
    webhookAllowHosts: [{ host: "127.0.0.1", port: "*" }],
    vapid: undefined,
    maxAttempts: 5,
    sendTimeoutMs: 2_000,
    claimLeaseMs: 4_000,
    dispatchWorkers: 2,
    partitionsConcurrently: 3,
    dispatchBatchSize: 20,
    pollIntervalMs: 200,
    endpointConcurrency: 4,
    endpointRatePerSecond: 1000,
    webhookDisableAfterFailures: 50,
    webhookDisableAfterMs: 72 * 3_600_000,
    reminderIntervalMs: 60_000,
    reminderAfterDays: 10,
    digestHour: 7,
    redisKeyPrefix: `${uniqueName("notifier-test")}:`,
    ...overrides,
  };
}

/** Environment for a notifier child process built from a test configuration. */
export function envFromConfig(config: NotifierConfig): Record<string, string> {
  return {
    DATABASE_URL: config.databaseUrl,
    REDIS_URL: config.redisUrl,
    KAFKA_BROKERS: config.kafkaBrokers.join(","),
    KAFKA_CLIENT_ID: config.kafkaClientId,
    LOG_LEVEL: config.logLevel,
    NOTIFIER_HTTP_PORT: String(config.httpPort),
    NOTIFIER_INPUT_TOPIC: config.inputTopic,
    NOTIFIER_CONSUMER_GROUP: config.consumerGroup,
    NOTIFIER_TOPIC_PARTITIONS: String(config.topicPartitions),
    NOTIFIER_KAFKA_SESSION_TIMEOUT_MS: String(config.kafkaSessionTimeoutMs),
    NOTIFIER_DEEP_LINK_BASE_URL: config.deepLinkBaseUrl,
    NOTIFIER_WEBHOOK_ALLOW_HOSTS: config.webhookAllowHosts.map((entry) => `${entry.host}:${entry.port}`).join(","),
    NOTIFIER_MAX_ATTEMPTS: String(config.maxAttempts),
    NOTIFIER_SEND_TIMEOUT_MS: String(config.sendTimeoutMs),
    NOTIFIER_CLAIM_LEASE_MS: String(config.claimLeaseMs),
    NOTIFIER_DISPATCH_WORKERS: String(config.dispatchWorkers),
    NOTIFIER_PARTITIONS_CONCURRENTLY: String(config.partitionsConcurrently),
    NOTIFIER_DISPATCH_BATCH_SIZE: String(config.dispatchBatchSize),
    NOTIFIER_POLL_INTERVAL_MS: String(config.pollIntervalMs),
    NOTIFIER_ENDPOINT_CONCURRENCY: String(config.endpointConcurrency),
    NOTIFIER_ENDPOINT_RATE_PER_SECOND: String(config.endpointRatePerSecond),
    NOTIFIER_WEBHOOK_DISABLE_AFTER_FAILURES: String(config.webhookDisableAfterFailures),
    NOTIFIER_WEBHOOK_DISABLE_AFTER_HOURS: String(config.webhookDisableAfterMs / 3_600_000),
    NOTIFIER_REMINDER_INTERVAL_MS: String(config.reminderIntervalMs),
    NOTIFIER_REMINDER_AFTER_DAYS: String(config.reminderAfterDays),
    NOTIFIER_DIGEST_HOUR: String(config.digestHour),
    NOTIFIER_REDIS_KEY_PREFIX: config.redisKeyPrefix,
  };
}

/** A valid crossing with fresh ids; eventId derived from recordId as the counter does. */
export const makeCrossing = freshThresholdCrossed;

export async function publish(
  kafka: Kafka,
  topic: string,
  messages: { key: string; value: string | Buffer | null; headers?: Record<string, string> }[],
): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

export function asMessages(events: ThresholdCrossed[]): { key: string; value: string }[] {
  return events.map((event) => ({ key: event.peerMentorId, value: JSON.stringify(event) }));
}

export async function addWebhook(db: Knex, organizationId: string, url: string, secret = WEBHOOK_SECRET): Promise<void> {
  await db("organization_webhooks").insert({ organization_id: organizationId, url, secret, enabled: true });
}

/** The crossing record the counter would have written (the write-back target). */
export async function insertCrossingRecord(db: Knex, event: ThresholdCrossed): Promise<void> {
  await db("honorarium_records").insert({
    id: event.recordId,
    peer_mentor_id: event.peerMentorId,
    organization_id: event.organizationId,
    scope_id: event.scopeId,
    coordinator_id: event.coordinatorId,
    tier_name: event.tierName,
    tier_order: 0,
    period_type: event.periodType,
    period_key: event.periodKey,
    assignment_count: event.assignmentCount,
    threshold_crossed: true,
    threshold_level: event.thresholdLevel,
    threshold_assignment_number: event.thresholdCount,
    honorarium_rate: event.honorariumAmount,
    currency: event.currency,
    fiscal_year: event.fiscalYear,
    payment_status: "pending",
    trigger_assignment_id: event.triggerAssignmentId,
    reached_at: event.reachedAt,
  });
}

export function randomSuffix(): string {
  return randomBytes(4).toString("hex");
}

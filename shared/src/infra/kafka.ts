import {
  Admin,
  ConfigResourceTypes,
  IncrementalAlterConfigOperationTypes,
  Producer,
  compatibilityPartitioner,
  stringSerializer,
  type MessageToProduce,
} from "@platformatic/kafka";
import type { Logger } from "pino";
import { createTransientFaultGate, errorTree } from "./transient-faults.ts";

/**
 * The project's handle on a Kafka cluster: where it is, who we are, where its clients log. The
 * clients themselves (@platformatic/kafka producers, admins, consumers) are made from it by the
 * functions of shared/src/infra, so no service or tool imports the client library.
 */
export interface KafkaClient {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger: Logger;
}

export interface KafkaFactoryOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
}

/** How long retriable broker conditions stay quiet (debug) before they are logged as the faults they then are. */
export const TRANSIENT_BROKER_GRACE_MS = 30_000;

export function createKafka(options: KafkaFactoryOptions): KafkaClient {
  return { brokers: [...options.brokers], clientId: options.clientId, logger: options.logger.child({ component: "kafka" }) };
}

/**
 * Logs a client's broker connection faults through pino: a fresh or restarting broker refuses
 * connections for a few seconds while the client retries, which stays at debug unless it lasts
 * longer than TRANSIENT_BROKER_GRACE_MS. The client's own `error` events (a failed rejoin) go to
 * `onError`, logged when none is given: an EventEmitter error without a listener would end the process.
 */
export function logBrokerFaults(
  client: { on(event: string, listener: (payload: unknown) => void): unknown },
  kafka: KafkaClient,
  onError?: (error: Error) => void,
): void {
  const gate = createTransientFaultGate({ graceMs: TRANSIENT_BROKER_GRACE_MS });
  client.on("error", (payload) => {
    const error = payload instanceof Error ? payload : new Error(String(payload));
    if (onError !== undefined) onError(error);
    else kafka.logger[gate.levelFor("warn", `${error.name} ${error.message}`)]({ err: error }, "kafka client error");
  });
  client.on("client:broker:failed", (payload) => {
    const { broker, error } = (payload ?? {}) as { broker?: unknown; error?: unknown };
    const text = error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? "")}` : String(error);
    kafka.logger[gate.levelFor("warn", `Connection error ${text}`)]({ broker, err: text }, "broker connection failed; retrying");
  });
}

/** A record to produce: bytes as they are, headers as text. */
export interface OutgoingRecord {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Readonly<Record<string, string>>;
  /** Omitted: the key's partition (murmur2, as Java clients and KafkaJS compute it). */
  partition?: number;
}

export interface RecordProducer {
  /** Resolves once the broker has every record (acks from all in-sync replicas); rejects after `sendTimeoutMs`. */
  send(records: readonly OutgoingRecord[]): Promise<void>;
  close(): Promise<void>;
}

export interface RecordProducerOptions {
  /** A send not acknowledged by then is reported as failed (the client may still deliver it; callers resend with the same eventId). */
  sendTimeoutMs?: number;
  /** Attempts per request inside the client, and the delay between them. */
  retries?: number;
  retryDelayMs?: number;
}

const DEFAULT_SEND_TIMEOUT_MS = 30_000;

/**
 * An idempotent producer (acks = all, one request in flight, broker-side dedupe of the client's
 * own retries). Keys go to partitions with Kafka's Java-compatible murmur2, the partitioner every
 * other producer of these topics uses, so one mentor's events stay in one partition whoever sends
 * them. The client's retries are bounded on purpose: left unbounded, an idempotent send to an
 * unreachable broker never settles; here a send that gives up is sent again by its caller (the
 * outbox relay, the dead-letter path) with the same eventId, which every consumer dedupes.
 */
export function createRecordProducer(kafka: KafkaClient, options: RecordProducerOptions = {}): RecordProducer {
  const producer = new Producer<Buffer, Buffer, string, string>({
    clientId: kafka.clientId,
    bootstrapBrokers: [...kafka.brokers],
    idempotent: true,
    autocreateTopics: false,
    partitioner: compatibilityPartitioner,
    serializers: { headerKey: stringSerializer, headerValue: stringSerializer },
    retries: options.retries ?? 5,
    retryDelay: options.retryDelayMs ?? 500,
  });
  logBrokerFaults(producer, kafka);
  const sendTimeoutMs = options.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
  return {
    async send(records) {
      if (records.length === 0) return;
      const messages: MessageToProduce<Buffer, Buffer, string, string>[] = records.map((record) => ({
        topic: record.topic,
        key: record.key ?? undefined,
        value: record.value ?? undefined,
        headers: record.headers === undefined ? undefined : new Map(Object.entries(record.headers)),
        partition: record.partition,
      }));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`produce not acknowledged within ${sendTimeoutMs} ms`)), sendTimeoutMs);
      });
      try {
        await Promise.race([producer.send({ messages }), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => producer.close(),
  };
}

/** An admin client of the project's settings; `close()` it when done. */
export function createAdmin(kafka: KafkaClient, options: { retries?: number; timeoutMs?: number } = {}): Admin {
  const admin = new Admin({
    clientId: `${kafka.clientId}-admin`,
    bootstrapBrokers: [...kafka.brokers],
    retries: options.retries ?? 5,
    retryDelay: 500,
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs, connectTimeout: options.timeoutMs }),
  });
  logBrokerFaults(admin, kafka);
  return admin;
}

export interface TopicSpec {
  topic: string;
  /** Omitted: the broker's default (num.partitions). */
  numPartitions?: number;
}

/** A Kafka error answer anywhere in an error's tree (the client nests them in AggregateErrors). */
export function kafkaErrorNames(error: unknown): string[] {
  return errorTree(error).flatMap((current) => {
    const { apiId } = current as { apiId?: unknown };
    return typeof apiId === "string" ? [apiId] : [];
  });
}

/**
 * The member liveness of a consumer group on the consumer protocol (KIP-848), where the broker, not
 * the client, holds the session timeout and heartbeat interval: set as the group's own
 * configuration (consumer.session.timeout.ms, consumer.heartbeat.interval.ms), within the broker's
 * bounds (group.consumer.min.session.timeout.ms and min.heartbeat.interval.ms, 45 s and 5 s by
 * default; the project's brokers allow 1 s and 250 ms). A heartbeat every fifth of the session
 * (250 ms to 5 s) leaves a member several chances before it is counted gone.
 */
export async function setConsumerGroupLiveness(kafka: KafkaClient, group: string, sessionTimeoutMs: number): Promise<void> {
  const heartbeatIntervalMs = Math.min(5000, Math.max(250, Math.floor(sessionTimeoutMs / 5)));
  const admin = createAdmin(kafka, { retries: 2 });
  try {
    await admin.incrementalAlterConfigs({
      resources: [
        {
          resourceType: ConfigResourceTypes.GROUP,
          resourceName: group,
          configs: [
            {
              name: "consumer.session.timeout.ms",
              configOperation: IncrementalAlterConfigOperationTypes.SET,
              value: String(sessionTimeoutMs),
            },
            {
              name: "consumer.heartbeat.interval.ms",
              configOperation: IncrementalAlterConfigOperationTypes.SET,
              value: String(heartbeatIntervalMs),
            },
          ],
        },
      ],
    });
  } finally {
    await admin.close();
  }
}

/** Creates the topics that do not exist yet, and waits until every partition has a leader; existing ones are left as they are. */
export async function ensureTopics(kafka: KafkaClient, topics: readonly TopicSpec[], timeoutMs = 30_000): Promise<void> {
  const admin = createAdmin(kafka);
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic.topic));
    for (const topic of missing) {
      try {
        await admin.createTopics({ topics: [topic.topic], partitions: topic.numPartitions ?? -1 });
      } catch (error) {
        // Another instance created it between list and create: fine.
        if (!kafkaErrorNames(error).includes("TOPIC_ALREADY_EXISTS")) throw error;
      }
    }
    await awaitLeaders(
      admin,
      topics.map((topic) => topic.topic),
      timeoutMs,
    );
  } finally {
    await admin.close();
  }
}

/** Waits until every partition of `names` has a leader; a busy broker answers "not yet" for a moment after creating a topic. */
async function awaitLeaders(admin: Admin, names: readonly string[], timeoutMs: number): Promise<void> {
  if (names.length === 0) return;
  const deadline = Date.now() + timeoutMs;
  for (let delayMs = 50; ; delayMs = Math.min(delayMs * 2, 1_000)) {
    try {
      const metadata = await admin.metadata({ topics: [...names], forceUpdate: true });
      const ready = names.every((name) => {
        const topic = metadata.topics.get(name);
        return topic !== undefined && topic.partitions.length > 0 && topic.partitions.every((partition) => partition.leader >= 0);
      });
      if (ready) return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topics ${names.join(", ")} have no leader after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}

import { Kafka, logLevel, type Admin, type ITopicConfig, type KafkaConfig, type LogEntry } from "kafkajs";
import type { Logger } from "pino";
import { createTransientFaultGate } from "./transient-faults.ts";

export interface KafkaFactoryOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** Overrides for tests that want quick failure. */
  retry?: KafkaConfig["retry"];
}

const PINO_LEVEL: Record<number, "error" | "warn" | "info" | "debug"> = {
  [logLevel.ERROR]: "error",
  [logLevel.WARN]: "warn",
  [logLevel.INFO]: "info",
  [logLevel.DEBUG]: "debug",
};

/** How long retriable broker conditions stay quiet (debug) before they are logged as the faults they then are. */
export const TRANSIENT_BROKER_GRACE_MS = 30_000;

const IDEMPOTENT_RETRIES_WARNING = "Limiting retries for the idempotent producer may invalidate EoS guarantees";
let idempotentRetriesExplained = false;

/**
 * A KafkaJS client whose logs go through pino. A fresh or restarting broker answers "coordinator
 * is loading", "no leader" and the like for a few seconds while KafkaJS retries: those stay at
 * debug unless they last longer than TRANSIENT_BROKER_GRACE_MS.
 */
export function createKafka(options: KafkaFactoryOptions): Kafka {
  // Every producer here uses KafkaJS 2's default (murmur2, Java-compatible) partitioner on purpose;
  // its once-per-process notice about the v1 → v2 change is noise in every service's log.
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= "1";
  const kafkaLogger = options.logger.child({ component: "kafkajs" });
  const gate = createTransientFaultGate({ graceMs: TRANSIENT_BROKER_GRACE_MS });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.WARN,
    retry: options.retry ?? { initialRetryTime: 200, retries: 10 },
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        if (message === IDEMPOTENT_RETRIES_WARNING) {
          // Bounded on purpose: a send that gives up is retried by its caller (the outbox relay, the
          // dead-letter path) with the same eventId, which every consumer dedupes. Said once, not per producer.
          if (!idempotentRetriesExplained)
            kafkaLogger.info(
              "idempotent producers retry a bounded number of times; a send that gives up is sent again with the same eventId, which consumers dedupe",
            );
          idempotentRetriesExplained = true;
          return;
        }
        // Two services creating the same topic at start: ensureTopics accepts "already exists" and
        // throws anything else, so the connection's own report of the response is only detail.
        if (message.startsWith("Response CreateTopics")) return kafkaLogger.debug(extra, message);
        const errorText = typeof extra.error === "string" ? extra.error : "";
        kafkaLogger[gate.levelFor(PINO_LEVEL[level] ?? "info", `${message} ${errorText}`)](extra, message);
      },
  });
}

/** Creates the topics that do not exist yet; existing ones are left as they are. */
export async function ensureTopics(kafka: Kafka, topics: ITopicConfig[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic.topic));
    if (missing.length > 0) await createTopicsAwaitingLeaders(admin, missing);
  } catch (error) {
    // Another instance created it between list and create: fine.
    if (!(error instanceof Error && /already exists/i.test(error.message))) throw error;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Creates topics and waits until every partition has a leader. KafkaJS's own `waitForLeaders`
 * gives up on the first UNKNOWN_TOPIC_OR_PARTITION, which a broker under load answers for a
 * topic it has just created (seen on a busy 2-core machine); any retriable answer means "not yet".
 */
export async function createTopicsAwaitingLeaders(admin: Admin, topics: ITopicConfig[], timeoutMs = 30_000): Promise<void> {
  await admin.createTopics({ topics, waitForLeaders: false });
  const names = topics.map((topic) => topic.topic);
  const deadline = Date.now() + timeoutMs;
  for (let delayMs = 50; ; delayMs = Math.min(delayMs * 2, 1_000)) {
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics: names });
      const ready =
        metadata.length === names.length && metadata.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
      if (ready) return;
    } catch (error) {
      // KafkaJS errors carry `retriable`; its error classes are not named ESM exports.
      if (!(error instanceof Error && "retriable" in error && error.retriable === true)) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topics ${names.join(", ")} have no leader after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}

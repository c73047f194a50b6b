import { Kafka, logLevel, type ITopicConfig, type KafkaConfig, type LogEntry } from "kafkajs";
import type { Logger } from "pino";

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

/** A KafkaJS client whose logs go through pino. */
export function createKafka(options: KafkaFactoryOptions): Kafka {
  // Every producer here uses KafkaJS 2's default (murmur2, Java-compatible) partitioner on purpose;
  // its once-per-process notice about the v1 → v2 change is noise in every service's log.
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= "1";
  const kafkaLogger = options.logger.child({ component: "kafkajs" });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.WARN,
    retry: options.retry ?? { initialRetryTime: 200, retries: 10 },
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        kafkaLogger[PINO_LEVEL[level] ?? "info"](extra, message);
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
    if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
  } catch (error) {
    // Another instance created it between list and create: fine.
    if (!(error instanceof Error && /already exists/i.test(error.message))) throw error;
  } finally {
    await admin.disconnect();
  }
}

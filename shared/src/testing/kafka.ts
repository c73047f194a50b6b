import { randomBytes } from "node:crypto";
import { Kafka, logLevel } from "kafkajs";
import { createTopicsAwaitingLeaders } from "../infra/kafka.ts";

/** A name no other run or test has used: topics and groups never see another run's state. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
}

export function createTestKafka(brokers: string[], clientId = uniqueName("test")): Kafka {
  return new Kafka({ clientId, brokers, logLevel: logLevel.ERROR, retry: { initialRetryTime: 100, retries: 8 } });
}

export async function createTopics(kafka: Kafka, topics: string[], numPartitions = 1): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTopicsAwaitingLeaders(
      admin,
      topics.map((topic) => ({ topic, numPartitions })),
    );
  } finally {
    await admin.disconnect();
  }
}

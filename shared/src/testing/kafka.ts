import { randomBytes } from "node:crypto";
import { Kafka, logLevel } from "kafkajs";
import type { Logger } from "pino";
import { createKafka, ensureTopics, type KafkaClient } from "../infra/kafka.ts";
import { createLogger } from "../logger.ts";

/** A name no other run or test has used: topics and groups never see another run's state. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
}

/**
 * KafkaJS, as the tests' own independent client: they produce, read dead-letter topics and look at
 * offsets with a second implementation of the protocol, so a test also checks that what the
 * services' client (@platformatic/kafka, behind shared/src/infra) writes reads back elsewhere.
 * A devDependency only: no service code imports it.
 */
export function createTestKafka(brokers: string[], clientId = uniqueName("test")): Kafka {
  return new Kafka({ clientId, brokers, logLevel: logLevel.ERROR, retry: { initialRetryTime: 100, retries: 8 } });
}

/** The services' Kafka handle (shared/src/infra) for a test's brokers. */
export function testKafkaClient(brokers: readonly string[], logger: Logger, clientId = uniqueName("test")): KafkaClient {
  return createKafka({ brokers: [...brokers], clientId, logger });
}

/**
 * Creates topics through the services' own admin path (ensureTopics) and waits until every
 * partition has a leader; the brokers are those the test's KafkaJS client reaches.
 */
export async function createTopics(kafka: Kafka, topics: string[], numPartitions = 1): Promise<void> {
  const brokers = await brokersOf(kafka);
  await ensureTopics(
    testKafkaClient(brokers, createLogger("test-topics", "silent")),
    topics.map((topic) => ({ topic, numPartitions })),
  );
}

async function brokersOf(kafka: Kafka): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    return cluster.brokers.map((broker) => `${broker.host}:${broker.port}`);
  } finally {
    await admin.disconnect();
  }
}

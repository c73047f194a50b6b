import { randomUUID } from "node:crypto";
import { KafkaJSNonRetriableError, type Kafka, type Producer } from "kafkajs";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createLogger } from "@honorarium/shared";
import { eventually } from "@honorarium/shared/testing";
import { createCountingConsumer } from "../src/adapters/kafka/counting-consumer.ts";
import { createCounterMetrics } from "../src/metrics.ts";
import { confirmed, connectProducer, createCounterTopics, createKafkaFor, produceJson, uniqueCounterTopics } from "./support.ts";

describe("counter: a consumer crash KafkaJS will not restart from", () => {
  const services = inject("testServices");
  let kafka: Kafka;
  let producer: Producer;

  beforeAll(async () => {
    kafka = createKafkaFor(services);
    producer = await connectProducer(kafka);
  });

  afterAll(async () => {
    await producer?.disconnect();
  });

  it("is reported as fatal (the entrypoint exits) instead of leaving a live process that consumes nothing", async () => {
    const topics = uniqueCounterTopics("crash");
    await createCounterTopics(kafka, topics, 1);
    const fatal: Error[] = [];
    const consumer = createCountingConsumer({
      kafka,
      group: topics.group,
      topics: [topics.confirmed],
      partitionsConsumedConcurrently: 1,
      maxBytesPerPartition: 65_536,
      sessionTimeoutMs: 6000,
      metrics: createCounterMetrics(new Registry()),
      logger: createLogger("counter-crash-test", "silent"),
      applyBatch: async () => {
        throw new KafkaJSNonRetriableError("the batch cannot be applied");
      },
      onFatal: (error) => fatal.push(error),
    });
    await consumer.start();
    try {
      const ids = { org: randomUUID(), scope: null, mentor: randomUUID(), coordinator: randomUUID() };
      await produceJson(producer, topics.confirmed, [confirmed(ids, "2026-05-01T10:00:00Z")]);
      const [error] = await eventually(async () => (fatal.length > 0 ? fatal : undefined), 30_000, "the fatal crash");
      expect(error?.message).toContain("the batch cannot be applied");
      expect(consumer.isReady()).toBe(false);
    } finally {
      await consumer.stop();
    }
  });
});

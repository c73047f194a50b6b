import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Kafka } from "kafkajs";
import { createTestKafka, createTopics, eventually, uniqueName } from "../src/testing/index.ts";

// Proves the broker that scripts/kafka.sh starts does what the counter relies on:
// KafkaJS transactions, consumer groups, and read_committed skipping aborted messages.
describe("the local Kafka broker with KafkaJS", () => {
  const services = inject("testServices");
  let kafka: Kafka;
  const topic = uniqueName("broker-proof");

  beforeAll(async () => {
    kafka = createTestKafka(services.kafkaBrokers);
    await createTopics(kafka, [topic], 2);
  });

  it("delivers committed transactions and skips aborted ones to a read_committed group", async () => {
    const producer = kafka.producer({ transactionalId: uniqueName("tx"), idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();

    const committed = await producer.transaction();
    await committed.send({
      topic,
      messages: [
        { key: "a", value: "committed-1" },
        { key: "b", value: "committed-2" },
      ],
    });
    await committed.commit();

    const aborted = await producer.transaction();
    await aborted.send({
      topic,
      messages: [
        { key: "a", value: "aborted-1" },
        { key: "b", value: "aborted-2" },
      ],
    });
    await aborted.abort();

    const after = await producer.transaction();
    await after.send({ topic, messages: [{ key: "a", value: "committed-3" }] });
    await after.commit();
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: uniqueName("group"), readUncommitted: false });
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value?.toString() ?? "");
      },
    });
    try {
      await eventually(async () => (seen.length >= 3 ? seen : undefined), 30_000, "three committed messages");
      // Give an aborted message every chance to show up before asserting it did not.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect([...seen].sort()).toEqual(["committed-1", "committed-2", "committed-3"]);
    } finally {
      await consumer.disconnect();
    }
  });

  it("commits consumer-group offsets that a second member of the group resumes from", async () => {
    const groupTopic = uniqueName("group-proof");
    await createTopics(kafka, [groupTopic], 1);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: groupTopic, messages: [{ value: "1" }, { value: "2" }] });

    const groupId = uniqueName("group");
    const first = kafka.consumer({ groupId });
    const firstSeen: string[] = [];
    await first.connect();
    await first.subscribe({ topic: groupTopic, fromBeginning: true });
    await first.run({ eachMessage: async ({ message }) => void firstSeen.push(message.value?.toString() ?? "") });
    await eventually(async () => (firstSeen.length === 2 ? true : undefined), 30_000, "first consumer");
    await first.disconnect();

    await producer.send({ topic: groupTopic, messages: [{ value: "3" }] });
    await producer.disconnect();
    const second = kafka.consumer({ groupId });
    const secondSeen: string[] = [];
    await second.connect();
    await second.subscribe({ topic: groupTopic, fromBeginning: true });
    await second.run({ eachMessage: async ({ message }) => void secondSeen.push(message.value?.toString() ?? "") });
    try {
      await eventually(async () => (secondSeen.length >= 1 ? true : undefined), 30_000, "second consumer");
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(secondSeen).toEqual(["3"]);
    } finally {
      await second.disconnect();
    }
  });

  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });
});

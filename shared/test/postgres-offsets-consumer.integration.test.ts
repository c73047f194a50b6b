import { KafkaJSNonRetriableError, type Kafka, type Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createLogger } from "../src/logger.ts";
import { type BatchDecision, createPostgresOffsetsConsumer } from "../src/infra/index.ts";
import { createTestKafka, createTopics, eventually, uniqueName } from "../src/testing/index.ts";

const logger = createLogger("offsets-consumer-test", "silent");
type ConsumerOptions = Parameters<typeof createPostgresOffsetsConsumer>[0];

describe("createPostgresOffsetsConsumer (the counter's and the notifier's consumer loop)", () => {
  const services = inject("testServices");
  let kafka: Kafka;
  let producer: Producer;

  beforeAll(async () => {
    kafka = createTestKafka(services.kafkaBrokers);
    producer = kafka.producer();
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
  });

  /** A consumer of `topic` in a fresh group: one partition at a time, the tests' short session. */
  const consumerOf = (
    topic: string,
    groupPrefix: string,
    options: Omit<ConsumerOptions, "kafka" | "group" | "topics" | "partitionsConsumedConcurrently" | "sessionTimeoutMs" | "logger">,
  ) =>
    createPostgresOffsetsConsumer({
      kafka,
      group: uniqueName(groupPrefix),
      topics: [topic],
      partitionsConsumedConcurrently: 1,
      sessionTimeoutMs: 6000,
      logger,
      ...options,
    });

  async function freshTopic(): Promise<string> {
    const topic = uniqueName("offsets-consumer");
    await createTopics(kafka, [topic], 1);
    return topic;
  }

  it("a crash KafkaJS will not restart from is retried by a new consumer, not fatal, and the batch is applied after it", async () => {
    const topic = await freshTopic();
    const fatal: Error[] = [];
    let calls = 0;
    const applied: string[] = [];
    const readiness: boolean[] = [];
    const consumer = consumerOf(topic, "crash", {
      recreateDelaysMs: [100],
      applyBatch: async ({ messages }): Promise<BatchDecision> => {
        calls += 1;
        // KafkaJS does not restart after a non-retriable error ("Failed to find group coordinator" is one).
        if (calls <= 2) {
          readiness.push(consumer.isReady());
          throw new KafkaJSNonRetriableError("the coordinator moved");
        }
        applied.push(...messages.map((message) => message.value?.toString() ?? ""));
        return { kind: "committed", nextOffset: String(Number(messages.at(-1)?.offset ?? 0) + 1) };
      },
      onFatal: (error) => fatal.push(error),
    });
    await consumer.start();
    try {
      await producer.send({ topic, messages: [{ key: "k", value: "v" }] });
      await eventually(async () => (applied.length > 0 ? true : undefined), 60_000, "the batch applied by a new consumer");
      expect(applied).toEqual(["v"]);
      expect(calls).toBe(3);
      expect(fatal).toEqual([]);
      await eventually(async () => (consumer.isReady() ? true : undefined), 30_000, "ready again");
    } finally {
      await consumer.stop();
    }
    expect(consumer.isReady()).toBe(false);
  });

  it("a configuration error (authorisation) is fatal: no retry can fix it", async () => {
    const topic = await freshTopic();
    const fatal: Error[] = [];
    const consumer = consumerOf(topic, "config", {
      recreateDelaysMs: [100],
      applyBatch: async () => {
        const error = new KafkaJSNonRetriableError("not allowed");
        Object.assign(error, { type: "GROUP_AUTHORIZATION_FAILED" });
        throw error;
      },
      onFatal: (error) => fatal.push(error),
    });
    await consumer.start();
    try {
      await producer.send({ topic, messages: [{ key: "k", value: "v" }] });
      const [error] = await eventually(async () => (fatal.length > 0 ? fatal : undefined), 30_000, "the fatal crash");
      expect(error?.message).toContain("not allowed");
      expect(consumer.isReady()).toBe(false);
    } finally {
      await consumer.stop();
    }
  });

  it("seeks where applyBatch says and reports lag; one answer to a seek is never taken as a gap", async () => {
    const topic = await freshTopic();
    await producer.send({ topic, messages: ["a", "b", "c", "d"].map((value) => ({ key: "k", value })) });
    const seen: { first: string; acceptGapFrom: string | undefined }[] = [];
    const lags: number[] = [];
    let sought = false;
    const consumer = consumerOf(topic, "seek", {
      applyBatch: async ({ messages }, _heartbeat, acceptGapFrom): Promise<BatchDecision> => {
        const first = messages[0]?.offset ?? "?";
        seen.push({ first, acceptGapFrom });
        // The first time, pretend the stored position is 2: the consumer must fetch again from there.
        if (!sought) {
          sought = true;
          return { kind: "seek", offset: "2" };
        }
        return { kind: "committed", nextOffset: String(Number(messages.at(-1)?.offset ?? 0) + 1) };
      },
      onLag: (_topic, _partition, lag) => lags.push(lag),
      onFatal: () => undefined,
    });
    await consumer.start();
    try {
      await eventually(async () => (seen.length >= 2 ? true : undefined), 30_000, "the batch after the seek");
      expect(seen[0]).toEqual({ first: "0", acceptGapFrom: undefined });
      // A batch fetched before the seek looks like the seek's answer: it is not a gap yet.
      expect(seen[1]).toEqual({ first: "2", acceptGapFrom: undefined });
      expect(consumer.isReady()).toBe(true);
      expect(lags.at(-1)).toBe(0);
    } finally {
      await consumer.stop();
    }
  });

  it("accepts a real gap (transaction markers) only when Kafka answers the same seek twice with the same later offset", async () => {
    const topic = await freshTopic();
    // Two committed transactions: records at 0 and 2, commit markers at 1 and 3 (never delivered).
    const transactional = kafka.producer({ transactionalId: uniqueName("gap-tx"), idempotent: true, maxInFlightRequests: 1 });
    await transactional.connect();
    try {
      for (const value of ["a", "b"]) {
        const transaction = await transactional.transaction();
        await transaction.send({ topic, messages: [{ key: "k", value }] });
        await transaction.commit();
      }
    } finally {
      await transactional.disconnect();
    }
    const seen: { first: string; acceptGapFrom: string | undefined }[] = [];
    const consumer = consumerOf(topic, "gap", {
      // As the stored-offset guard decides: the stored position is 1 (a marker); a batch starting
      // above it asks for a seek unless the consumer hands the gap over as real.
      applyBatch: async ({ messages }, _heartbeat, acceptGapFrom): Promise<BatchDecision> => {
        const first = messages[0]?.offset ?? "?";
        seen.push({ first, acceptGapFrom });
        if (first === "0") return { kind: "seek", offset: "1" };
        if (BigInt(first) > 1n && acceptGapFrom !== "1") return { kind: "seek", offset: "1" };
        return { kind: "committed", nextOffset: String(Number(messages.at(-1)?.offset ?? 0) + 1) };
      },
      onFatal: () => undefined,
    });
    await consumer.start();
    try {
      await eventually(async () => (seen.some((entry) => entry.acceptGapFrom === "1") ? true : undefined), 30_000, "the gap accepted");
      expect(seen.slice(0, 3)).toEqual([
        { first: "0", acceptGapFrom: undefined },
        { first: "2", acceptGapFrom: undefined },
        { first: "2", acceptGapFrom: "1" },
      ]);
    } finally {
      await consumer.stop();
    }
  });
});

import { createServer } from "node:net";
import { beforeAll, describe, expect, inject, it } from "vitest";
import type { Kafka } from "kafkajs";
import { Registry } from "prom-client";
import { EXAMPLE_ASSIGNMENT_CONFIRMED } from "../src/contracts/index.ts";
import { createLogger } from "../src/logger.ts";
import {
  ContractViolationError,
  connectRedisBestEffort,
  createAssignmentEventProducer,
  createOpsServer,
  createRedis,
} from "../src/infra/index.ts";
import { createTestKafka, createTopics, eventually, testKafkaClient, uniqueName } from "../src/testing/index.ts";

const logger = createLogger("infra-test", "silent");

describe("the upstream producer helper", () => {
  const services = inject("testServices");
  let kafka: Kafka;
  const topic = uniqueName("confirmed");
  beforeAll(async () => {
    kafka = createTestKafka(services.kafkaBrokers);
    await createTopics(kafka, [topic], 3);
  });

  it("rejects an invalid event naming its fields, and sends valid ones keyed by peerMentorId", async () => {
    const producer = await createAssignmentEventProducer(testKafkaClient(services.kafkaBrokers, logger), { confirmed: topic });
    try {
      const bad = { ...EXAMPLE_ASSIGNMENT_CONFIRMED, peerMentorId: "nope", confirmedAt: "yesterday" };
      const error = await producer.confirmed(bad).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ContractViolationError);
      expect(Object.keys((error as ContractViolationError).fields).sort()).toEqual(["confirmedAt", "peerMentorId"]);
      await producer.confirmed([EXAMPLE_ASSIGNMENT_CONFIRMED, { ...EXAMPLE_ASSIGNMENT_CONFIRMED, eventId: crypto.randomUUID() }]);
    } finally {
      await producer.disconnect();
    }
    const consumer = kafka.consumer({ groupId: uniqueName("producer-proof") });
    const seen: { key: string; eventId: string }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push({ key: message.key?.toString() ?? "", eventId: JSON.parse(message.value?.toString() ?? "{}").eventId });
      },
    });
    try {
      await eventually(async () => (seen.length >= 2 ? true : undefined), 30_000, "two events");
      expect(seen.every((message) => message.key === EXAMPLE_ASSIGNMENT_CONFIRMED.peerMentorId)).toBe(true);
      expect(seen).toHaveLength(2);
    } finally {
      await consumer.disconnect();
    }
  });
});

describe("the ops server", () => {
  it("answers /healthz, /readyz (503 while a check fails) and /metrics", async () => {
    const registry = new Registry();
    let databaseUp = false;
    const ops = createOpsServer({ port: 0, host: "127.0.0.1", registry, logger, readiness: { database: async () => databaseUp } });
    const { port } = await ops.start();
    try {
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const notReady = await fetch(`${base}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ status: "not ready", checks: { database: false } });
      databaseUp = true;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get("content-type")).toContain("text/plain");
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      await ops.stop();
    }
  });

  it("says which port is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    const ops = createOpsServer({ port, host: "127.0.0.1", registry: new Registry(), logger, readiness: {} });
    try {
      await expect(ops.start()).rejects.toThrow(`port ${port} is already taken`);
    } finally {
      blocker.close();
    }
  });
});

describe("the Redis factory", () => {
  it("connects to the real Redis, and does not throw when Redis is unreachable", async () => {
    const live = createRedis(inject("testServices").redisUrl, logger);
    expect(await connectRedisBestEffort(live)).toBe(true);
    expect(await live.ping()).toBe("PONG");
    live.disconnect();

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const dead = createRedis(`redis://127.0.0.1:${port}`, logger);
    expect(await connectRedisBestEffort(dead)).toBe(false);
    dead.disconnect();
  });
});

import { randomUUID } from "node:crypto";
import type { Kafka } from "kafkajs";
import { Counter, Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { createLogger } from "@honorarium/shared";
import { createTestDatabase, createTopics, eventually, testKafkaClient, uniqueName, type TestDatabase } from "@honorarium/shared/testing";
import { RELAY_MAX_REQUEST_BYTES, createOutboxPublisher } from "../src/adapters/kafka/outbox-publisher.ts";
import { type OutboxRelay, createOutboxRelay } from "../src/use-cases/relay-outbox.ts";
import { createCounterMetrics } from "../src/metrics.ts";
import { createKafkaFor } from "./support.ts";

interface OutboxState {
  id: number;
  published_at: Date | null;
  parked_at: Date | null;
  publish_attempts: number;
  last_error: string | null;
}

describe("outbox relay: a row the broker refuses never holds back the rows behind it", () => {
  const services = inject("testServices");
  let database: TestDatabase;
  let kafka: Kafka;
  let relay: OutboxRelay;
  let eventsTopic: string;
  let deadLetterTopic: string;
  const registry = new Registry();
  const parkedMetric = new Counter({ name: "test_outbox_parked_total", help: "parked", labelNames: ["kind"], registers: [registry] });
  const logger = createLogger("outbox-relay-test", "silent");
  const MAX_ATTEMPTS = 2;

  beforeAll(async () => {
    database = await createTestDatabase(services.databaseUrl);
    kafka = createKafkaFor(services);
    const base = uniqueName("relay");
    eventsTopic = `${base}.honorarium.threshold-crossed.v1`;
    deadLetterTopic = `${base}.assignment.confirmed.v1.dlq`;
    await createTopics(kafka, [eventsTopic, deadLetterTopic], 1);
    relay = createOutboxRelay({
      db: database.db,
      databaseUrl: database.url,
      publisher: createOutboxPublisher(testKafkaClient(services.kafkaBrokers, logger)),
      batchSize: 50,
      pollMs: 200,
      maxAttempts: MAX_ATTEMPTS,
      metrics: { ...createCounterMetrics(registry), outboxParked: parkedMetric },
      logger,
    });
  });

  afterAll(async () => {
    await relay?.stop();
    await database?.drop();
  });

  async function insertRow(row: { kind: "event" | "dead_letter"; topic: string; payload: Buffer; offset?: number }): Promise<number> {
    const headers =
      row.kind === "dead_letter"
        ? { "dlq-source-topic": "src", "dlq-source-partition": "0", "dlq-source-offset": String(row.offset ?? 0) }
        : { "content-type": "application/json" };
    const [inserted] = await database
      .db("outbox")
      .insert({ kind: row.kind, topic: row.topic, message_key: randomUUID(), payload: row.payload, headers, event_id: null })
      .returning("id");
    return (inserted as { id: number }).id;
  }

  async function state(id: number): Promise<OutboxState> {
    return (await database.db("outbox").where({ id }).first()) as OutboxState;
  }

  async function highWatermark(topic: string): Promise<number> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [partition] = await admin.fetchTopicOffsets(topic);
      return Number(partition?.high ?? 0);
    } finally {
      await admin.disconnect();
    }
  }

  it("publishes around a missing topic and an oversized payload, records their errors, parks them, and keeps publishing", async () => {
    const errorLog = vi.spyOn(logger, "error");
    const event = (n: number) => Buffer.from(JSON.stringify({ eventId: randomUUID(), n }));
    const missingTopic = await insertRow({ kind: "event", topic: `${eventsTopic}.deleted`, payload: event(1) });
    const oversized = await insertRow({ kind: "dead_letter", topic: deadLetterTopic, payload: Buffer.alloc(1_100_000, 0x61), offset: 1 });
    // Two ~600 KB dead letters for one partition: together over the broker's 1 MB, each fine alone.
    const large = RELAY_MAX_REQUEST_BYTES + 88_000;
    const bigA = await insertRow({ kind: "dead_letter", topic: deadLetterTopic, payload: Buffer.alloc(large, 0x62), offset: 2 });
    const bigB = await insertRow({ kind: "dead_letter", topic: deadLetterTopic, payload: Buffer.alloc(large, 0x63), offset: 3 });
    const normal = await insertRow({ kind: "event", topic: eventsTopic, payload: event(2) });

    await relay.start();
    await eventually(async () => ((await state(normal)).published_at !== null ? true : undefined), 30_000, "the normal event published");
    for (const id of [bigA, bigB]) expect((await state(id)).published_at).not.toBeNull();
    expect(await highWatermark(eventsTopic)).toBe(1);
    expect(await highWatermark(deadLetterTopic)).toBe(2);

    for (const id of [missingTopic, oversized]) {
      await eventually(async () => ((await state(id)).parked_at !== null ? true : undefined), 30_000, `row ${id} parked`);
    }
    const missingState = await state(missingTopic);
    expect(missingState.published_at).toBeNull();
    expect(missingState.publish_attempts).toBe(MAX_ATTEMPTS);
    expect(missingState.last_error).toMatch(/does not exist/);
    const oversizedState = await state(oversized);
    expect(oversizedState.published_at).toBeNull();
    expect(oversizedState.publish_attempts).toBe(MAX_ATTEMPTS);
    expect(oversizedState.last_error).toMatch(/MESSAGE_TOO_LARGE/);
    expect((await parkedMetric.get()).values.reduce((sum, value) => sum + value.value, 0)).toBe(2);
    const parkedLogs = errorLog.mock.calls.filter((call) => String(call[1]).includes("parked"));
    expect(parkedLogs.map((call) => (call[0] as { outboxId: number }).outboxId).sort()).toEqual([missingTopic, oversized].sort());

    // Parked rows are no longer claimed; what comes after them flows.
    const later = await insertRow({ kind: "event", topic: eventsTopic, payload: event(3) });
    await eventually(async () => ((await state(later)).published_at !== null ? true : undefined), 30_000, "the later event published");
    expect(await highWatermark(eventsTopic)).toBe(2);
    expect((await state(missingTopic)).publish_attempts).toBe(MAX_ATTEMPTS);
    expect((await state(oversized)).publish_attempts).toBe(MAX_ATTEMPTS);
  });
});

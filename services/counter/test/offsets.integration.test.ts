import { randomUUID } from "node:crypto";
import type { Kafka, Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@honorarium/shared/testing";
import {
  type CounterTopics,
  confirmed,
  connectProducer,
  counterEnv,
  createCounterTopics,
  createKafkaFor,
  monthCount,
  produceJson,
  startInProcessCounter,
  uniqueCounterTopics,
  waitCaughtUp,
} from "./support.ts";

async function metricValue(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

describe("counter: Postgres offsets are the guard, Kafka's committed offset only a hint", () => {
  const services = inject("testServices");
  let database: TestDatabase;
  let kafka: Kafka;
  let producer: Producer;
  let topics: CounterTopics;

  beforeAll(async () => {
    database = await createTestDatabase(services.databaseUrl);
    kafka = createKafkaFor(services);
    topics = uniqueCounterTopics("offsets");
    await createCounterTopics(kafka, topics, 1);
    producer = await connectProducer(kafka);
  });

  afterAll(async () => {
    await producer?.disconnect();
    await database?.drop();
  });

  it("starts at the stored offset when Postgres is behind Kafka's committed offset, and re-applying what it finds changes nothing", async () => {
    const ids = { org: randomUUID(), scope: null, mentor: randomUUID(), coordinator: randomUUID() };
    const env = counterEnv(services, database.url, topics);
    const first = startInProcessCounter(env).service;
    await first.start();
    await produceJson(
      producer,
      topics.confirmed,
      [1, 2, 3, 4].map((day) => confirmed(ids, `2026-05-0${day}T10:00:00Z`)),
    );
    await waitCaughtUp(kafka, database.db, topics.group, [topics.confirmed]);
    await first.stop();
    expect(await monthCount(database.db, ids, "2026-05")).toBe(4);

    // Postgres falls behind Kafka's committed offset (as after restoring a backup).
    await database.db("consumer_offsets").where({ consumer_group: topics.group, topic: topics.confirmed }).update({ next_offset: 1 });
    await produceJson(producer, topics.confirmed, [confirmed(ids, "2026-05-09T10:00:00Z")]);

    const second = startInProcessCounter(env).service;
    const { httpPort } = await second.start();
    try {
      await waitCaughtUp(kafka, database.db, topics.group, [topics.confirmed]);
      expect(await monthCount(database.db, ids, "2026-05")).toBe(5);
      // The fetch stream starts at what Postgres holds (offset 1), not at Kafka's hint (4): nothing to seek back from.
      expect(await metricValue(httpPort, "counter_seeks_total")).toBe(0);
      // Offsets 1..3 were applied again: all duplicates in the ledger, only offset 4 counted.
      expect(await metricValue(httpPort, "counter_events_total")).toBe(4);
      const ready = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
      expect(ready.status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status).toBe(200);
    } finally {
      await second.stop();
    }
  });

  /** A new single-partition topic pair, its group's env, and a mentor to count. */
  async function freshStream(prefix: string) {
    const ids = { org: randomUUID(), scope: null, mentor: randomUUID(), coordinator: randomUUID() };
    const topics = uniqueCounterTopics(prefix);
    await createCounterTopics(kafka, topics, 1);
    return { ids, topics, env: counterEnv(services, database.url, topics) };
  }

  /** Runs a counter until its stored offsets reach the end of the confirmed topic, then stops it. */
  async function countUntilCaughtUp(env: Record<string, string>, topics: CounterTopics): Promise<void> {
    const counter = startInProcessCounter(env).service;
    await counter.start();
    try {
      await waitCaughtUp(kafka, database.db, topics.group, [topics.confirmed]);
    } finally {
      await counter.stop();
    }
  }

  it("a database without its offsets row re-applies the partition from the log start, not from Kafka's committed hint", async () => {
    const { ids, topics: fresh, env } = await freshStream("offsets-lost");
    await produceJson(
      producer,
      fresh.confirmed,
      [1, 2, 3].map((day) => confirmed(ids, `2026-06-0${day}T10:00:00Z`)),
    );
    await countUntilCaughtUp(env, fresh);
    const admin = kafka.admin();
    await admin.connect();
    try {
      // The hint survives in Kafka...
      const [hint] = await admin.fetchOffsets({ groupId: fresh.group, topics: [fresh.confirmed] });
      expect(hint?.partitions[0]?.offset).toBe("3");
    } finally {
      await admin.disconnect();
    }
    // ...while Postgres lost this mentor's rows and the offsets (a restore without them).
    await database.db("consumer_offsets").where({ consumer_group: fresh.group }).delete();
    await database.db("assignment_ledger").where({ peer_mentor_id: ids.mentor }).delete();
    await database.db("mentor_month_counts").where({ peer_mentor_id: ids.mentor }).delete();
    await produceJson(producer, fresh.confirmed, [confirmed(ids, "2026-06-09T10:00:00Z")]);

    await countUntilCaughtUp(env, fresh);
    expect(await monthCount(database.db, ids, "2026-06")).toBe(4);
  });

  it("a new group on a partition whose head was deleted starts at the log start", async () => {
    const { ids, topics: truncated, env } = await freshStream("offsets-retention");
    await produceJson(
      producer,
      truncated.confirmed,
      [1, 2, 3, 4, 5].map((day) => confirmed(ids, `2026-07-0${day}T10:00:00Z`)),
    );
    const admin = kafka.admin();
    await admin.connect();
    try {
      // What retention does to old segments: offsets 0 and 1 are gone.
      await admin.fetchTopicMetadata({ topics: [truncated.confirmed] });
      await admin.deleteTopicRecords({ topic: truncated.confirmed, partitions: [{ partition: 0, offset: "2" }] });
    } finally {
      await admin.disconnect();
    }
    await countUntilCaughtUp(env, truncated);
    expect(await monthCount(database.db, ids, "2026-07")).toBe(3);
  });
});

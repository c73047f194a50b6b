import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Kafka } from "kafkajs";
import { createTestDatabase, createTestKafka, createTopics, eventually, type TestDatabase } from "@honorarium/shared/testing";
import { createNotifier } from "../src/main.ts";
import { asMessages, makeCrossing, publish, testConfig } from "./helpers.ts";

describe("offsets stored in Postgres", () => {
  const services = inject("testServices");
  let database: TestDatabase;
  let kafka: Kafka;

  beforeAll(async () => {
    database = await createTestDatabase(services.databaseUrl);
    kafka = createTestKafka(services.kafkaBrokers);
  });

  afterAll(async () => {
    await database?.drop();
  });

  it("win over Kafka's committed offset: after Postgres is reset for a replay, the notifier seeks back and re-applies", async () => {
    const config = testConfig(services, database.url, { topicPartitions: 1 });
    await createTopics(kafka, [config.inputTopic], 1);
    const first = Array.from({ length: 5 }, () => makeCrossing());
    const jobCount = async () => Number((await database.db("notification_jobs").count("* as count"))[0]?.count);

    let notifier = createNotifier(config);
    await notifier.start();
    await publish(kafka, config.inputTopic, asMessages(first));
    await eventually(async () => ((await jobCount()) === first.length ? true : undefined), 60_000, "the first jobs");
    await notifier.stop();

    // A replay: the notifier's own state is wiped and its stored offset set back to the start,
    // while Kafka's committed offset for the group still says 5.
    await database.db("in_app_notifications").delete();
    await database.db("notification_jobs").delete();
    await database.db("consumer_offsets").where("consumer_group", config.consumerGroup).update({ next_offset: 0 });

    notifier = createNotifier(config);
    await notifier.start();
    try {
      const late = makeCrossing();
      await publish(kafka, config.inputTopic, asMessages([late]));
      await eventually(async () => ((await jobCount()) === first.length + 1 ? true : undefined), 60_000, "every job again");
      const eventIds: { event_id: string }[] = await database.db("notification_jobs").select("event_id");
      expect(new Set(eventIds.map((row) => row.event_id))).toEqual(new Set([...first, late].map((event) => event.eventId)));
      const offsets = await database.db("consumer_offsets").where("consumer_group", config.consumerGroup).first();
      expect(Number(offsets.next_offset)).toBe(first.length + 1);
    } finally {
      await notifier.stop();
    }
  });
});

import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Kafka } from "kafkajs";
import { createTestDatabase, createTestKafka, createTopics, eventually, spawnService, type TestDatabase } from "@honorarium/shared/testing";
import {
  addWebhook,
  asMessages,
  envFromConfig,
  makeCrossing,
  publish,
  startWebhookReceiver,
  testConfig,
  type WebhookReceiver,
} from "./helpers.ts";

const EVENTS = 60;

function startChild(env: Record<string, string>): { child: ChildProcess; exited: Promise<number | null>; output: string[] } {
  const output: string[] = [];
  const child = spawnService("notifier", { env });
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, output };
}

describe("the notifier killed mid-dispatch", () => {
  const services = inject("testServices");
  let database: TestDatabase;
  let kafka: Kafka;
  let receiver: WebhookReceiver;
  const running: ChildProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(services.databaseUrl);
    kafka = createTestKafka(services.kafkaBrokers);
    // A slow receiver keeps sends in flight when the kill lands.
    receiver = await startWebhookReceiver(() => 204, 150);
  });

  afterAll(async () => {
    for (const child of running) if (child.exitCode === null) child.kill("SIGKILL");
    await receiver?.close();
    await database?.drop();
  });

  it("delivers every job after a SIGKILL and restart; the receiver sees repeats only by webhook-id", async () => {
    const config = testConfig(services, database.url, {
      claimLeaseMs: 3_000,
      sendTimeoutMs: 2_000,
      dispatchWorkers: 2,
      dispatchBatchSize: 4,
    });
    const env = envFromConfig(config);
    const organizationId = crypto.randomUUID();
    await addWebhook(database.db, organizationId, receiver.url("/hooks"));
    const events = Array.from({ length: EVENTS }, () => makeCrossing({ organizationId }));

    // The topic exists before the events are published: the child creates it at start, but the
    // publish below could otherwise run first and use up the producer's retries (seen in CI).
    await createTopics(kafka, [config.inputTopic], config.topicPartitions);
    const first = startChild(env);
    running.push(first.child);
    await publish(kafka, config.inputTopic, asMessages(events));
    await eventually(async () => (receiver.received.length >= 10 ? true : undefined), 60_000, "the first deliveries");
    first.child.kill("SIGKILL");
    expect(await first.exited).toBeNull();
    const deliveredBeforeKill = new Set(receiver.received.map((request) => request.headers["webhook-id"])).size;

    const second = startChild(env);
    running.push(second.child);
    const jobs = await eventually(
      async () => {
        const rows: { id: string; status: string }[] = await database
          .db("notification_jobs")
          .where("channel", "webhook")
          .select("id", "status");
        return rows.length === EVENTS && rows.every((row) => row.status === "delivered") ? rows : undefined;
      },
      90_000,
      `all ${EVENTS} webhook jobs delivered`,
    );

    const counts = receiver.countsById();
    expect(new Set(counts.keys())).toEqual(new Set(jobs.map((job) => job.id)));
    const repeats = [...counts.values()].reduce((sum, count) => sum + count - 1, 0);
    // At most the jobs in flight when the kill landed (workers × batch size) can repeat.
    expect(repeats).toBeLessThanOrEqual(config.dispatchWorkers * config.dispatchBatchSize);
    console.log(
      `crash test: ${EVENTS} jobs, ${deliveredBeforeKill} received before SIGKILL, ${receiver.received.length} requests in all, ${repeats} repeats (deduped by webhook-id)`,
    );
    const offsets: { next_offset: number }[] = await database.db("consumer_offsets").where("consumer_group", config.consumerGroup);
    expect(offsets.reduce((sum, row) => sum + Number(row.next_offset), 0)).toBe(EVENTS);

    // Graceful shutdown: SIGTERM lets the process finish and exit 0.
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });
});

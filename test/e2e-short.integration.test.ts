/**
 * The end-to-end run, shortened for CI: a few thousand events through the three services as child
 * processes, one SIGKILL of the counter mid-stream, then every check of bench/e2e through public
 * interfaces (Kafka topics, tRPC API, webhook receiver) against the ground truth.
 *
 * It uses the SHARED broker, database server and Redis without restarting or flushing anything:
 * its own database, topics under a unique prefix, its own consumer groups and Redis prefixes.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import pg from "pg";
import { createTestDatabase, freePort, type TestDatabase, type TestServices, uniqueName } from "@honorarium/shared/testing";
import { runChecks } from "../bench/e2e/checks.ts";
import {
  committedOffsets,
  createPipelineTopics,
  messageOf,
  pipelineTopics,
  seedOrganizations,
  serviceSpecs,
} from "../bench/e2e/pipeline.ts";
import { type Receiver, ServiceProcess, sleep, startReceiver } from "../bench/e2e/services.ts";
import { type StreamItem, computeTruth, generateStream, localDate } from "../bench/e2e/workload.ts";

declare module "vitest" {
  export interface ProvidedContext {
    testServices: TestServices;
  }
}

const services = inject("testServices");
const prefix = uniqueName("e2e-short");
const TOPICS = pipelineTopics(prefix);
const COUNTER_GROUP = `${prefix}-counter`;
const JWT_SECRET = "e2e-short-test-secret-0123456789abcdef";

describe("the whole pipeline, shortened (one counter kill)", () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let kafka: Kafka;
  let receiver: Receiver;
  const processes: ServiceProcess[] = [];
  let apiPort = 0;

  beforeAll(async () => {
    database = await createTestDatabase(services.databaseUrl, { poolMax: 2 });
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    kafka = new Kafka({ clientId: prefix, brokers: services.kafkaBrokers, logLevel: logLevel.NOTHING });
    await createPipelineTopics(kafka, TOPICS);
  });

  afterAll(async () => {
    for (const service of processes) await service.stop();
    await receiver?.close();
    await pool?.end();
    await database?.drop();
    const admin = kafka.admin();
    await admin.connect();
    await admin
      .deleteTopics({ topics: [TOPICS.confirmed, TOPICS.cancelled, TOPICS.crossed].flatMap((t) => [t, `${t}.dlq`]) })
      .catch(() => undefined);
    await admin.disconnect();
  });

  it("counts, crosses, pays and notifies exactly as the ground truth says", { timeout: 240_000 }, async () => {
    const stream = generateStream(prefix, {
      seed: 7,
      mentors: 120,
      confirmations: 3000,
      duplicateShare: 0.02,
      cancelShare: 0.01,
      poisonShare: 0.005,
      lateShare: 0.05,
      now: Date.now(),
    });
    const webhookPort = await freePort();
    const secrets = await seedOrganizations(pool, stream.orgs, `http://127.0.0.1:${webhookPort}/webhooks`);
    receiver = await startReceiver(webhookPort, secrets);
    apiPort = await freePort();
    const specs = serviceSpecs({
      databaseUrl: database.url,
      redisUrl: services.redisUrl,
      kafkaBrokers: services.kafkaBrokers.join(","),
      jwtSecret: JWT_SECRET,
      ports: { counter: await freePort(), notifier: await freePort(), api: apiPort },
      extra: {
        counter: {
          COUNTER_GROUP_ID: COUNTER_GROUP,
          // Static membership, as a supervisor that restarts it under its own name: the restart after
          // the kill is refused (UNRELEASED_INSTANCE_ID) until the old membership's session ends.
          COUNTER_GROUP_INSTANCE_ID: `${prefix}-counter-1`,
          COUNTER_TOPICS: `${TOPICS.confirmed},${TOPICS.cancelled}`,
          COUNTER_THRESHOLD_CROSSED_TOPIC: TOPICS.crossed,
          LIVE_UPDATES_PREFIX: `${prefix}:`,
        },
        notifier: {
          NOTIFIER_INPUT_TOPIC: TOPICS.crossed,
          NOTIFIER_CONSUMER_GROUP: `${prefix}-notifier`,
          NOTIFIER_REDIS_KEY_PREFIX: `${prefix}:`,
        },
        api: { QUERY_API_REDIS_PREFIX: prefix },
      },
    });
    const logDir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    for (const spec of specs) {
      const service = new ServiceProcess(spec, logDir, () => undefined);
      processes.push(service);
      service.start();
    }
    await Promise.all(processes.map((p) => p.ready()));
    const [counter] = processes as [ServiceProcess];

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const producedAt = new Map<string, number>();
    const send = async (topic: string, items: StreamItem[]) => {
      for (let i = 0; i < items.length; i += 500) {
        const chunk = items.slice(i, i + 500);
        const at = Date.now();
        await producer.send({ topic, acks: -1, messages: chunk.map(messageOf) });
        for (const item of chunk)
          if (item.kind === "confirm" && !producedAt.has(item.event.assignmentId)) producedAt.set(item.event.assignmentId, at);
      }
    };
    const caughtUp = async (topic: string) => {
      const admin = kafka.admin();
      await admin.connect();
      const high = (await admin.fetchTopicOffsets(topic)).reduce((sum, o) => sum + Number(o.high), 0);
      await admin.disconnect();
      for (;;) {
        if (((await committedOffsets(pool, COUNTER_GROUP, topic)) ?? -1) >= high) return;
        await sleep(250);
      }
    };

    await send(TOPICS.cancelled, stream.earlyCancels);
    await caughtUp(TOPICS.cancelled);
    const half = Math.floor(stream.confirms.length / 2);
    await send(TOPICS.confirmed, stream.confirms.slice(0, half));
    // Kill the counter while it has work in hand, then let a fresh one finish.
    await counter.kill();
    counter.start();
    await send(TOPICS.confirmed, stream.confirms.slice(half));
    await caughtUp(TOPICS.confirmed);
    await send(TOPICS.cancelled, stream.lateCancels);
    await caughtUp(TOPICS.cancelled);
    await producer.disconnect();

    const truth = computeTruth(stream);
    for (let i = 0; i < 240 && receiver.distinctRecords() < truth.crossings.size; i++) await sleep(250);

    const output = await runChecks({
      kafka,
      stream,
      truth,
      receiver,
      apiUrl: `http://127.0.0.1:${apiPort}/trpc`,
      jwtSecret: JWT_SECRET,
      producedAt,
      mentorSample: "all",
      topics: TOPICS,
      now: Date.now(),
    });
    expect(truth.crossings.size).toBeGreaterThan(100);
    expect(output.results.filter((result) => !result.ok)).toEqual([]);

    // The checks can fail: against a tampered truth (one trigger, one month count) they do.
    const tampered = computeTruth(stream);
    const crossing = [...tampered.crossings.values()][0];
    if (crossing !== undefined) crossing.triggerAssignmentId = "00000000-0000-4000-8000-000000000000";
    // One more assignment in the current month for the first mentor (whatever date the suite runs on).
    const checkedAt = Date.now();
    const mentor = stream.mentors[0] as (typeof stream.mentors)[number];
    const currentMonth = localDate(new Date(checkedAt).toISOString(), mentor.org.timeZone).slice(0, 7);
    const monthKey = `${mentor.org.id}|${mentor.scopes[0] ?? "-"}|${mentor.id}|${currentMonth}`;
    tampered.monthCounts.set(monthKey, (tampered.monthCounts.get(monthKey) ?? 0) + 1);
    const failing = await runChecks({
      kafka,
      stream,
      truth: tampered,
      receiver,
      apiUrl: `http://127.0.0.1:${apiPort}/trpc`,
      jwtSecret: JWT_SECRET,
      producedAt,
      mentorSample: "all",
      topics: TOPICS,
      now: checkedAt,
    });
    expect(failing.results.filter((result) => !result.ok).map((result) => result.name)).toEqual([
      `crossings on ${TOPICS.crossed} (trigger, count, amount, reachedAt)`,
      "counts.forMentor: current-period counts per scope and confirmedThisYear",
    ]);
  });
});

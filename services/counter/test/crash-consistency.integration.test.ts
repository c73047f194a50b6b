import type { Kafka, Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTestDatabase, eventually, type TestDatabase } from "@honorarium/shared/testing";
import {
  type CounterTopics,
  connectProducer,
  counterEnv,
  createCounterTopics,
  createKafkaFor,
  uniqueCounterTopics,
  waitCaughtUp,
  waitOutboxEmpty,
} from "./support.ts";
import {
  type CounterProcess,
  type Workload,
  actualState,
  expectedEventIds,
  generateWorkload,
  groundTruth,
  installWorkloadConfig,
  mapDifferences,
  produceInOrder,
  readEventIds,
  runTool,
  seededRandom,
  spawnCounter,
  storedProgress,
} from "./workload.ts";

const SEED = Number(process.env.COUNTER_CRASH_SEED ?? Date.now() % 1_000_000);

/** Exactness: every counter, every crossing (trigger, review flag), every eventId on the output topic. */
async function expectExact(database: TestDatabase, kafka: Kafka, topics: CounterTopics, workload: Workload, label: string) {
  const truth = groundTruth(workload, true);
  const actual = await actualState(
    database.db,
    workload.orgs.map((org) => org.id),
  );
  expect(actual.duplicateRecordKeys, `${label}: duplicated crossings`).toEqual([]);
  expect(mapDifferences(truth.counts, actual.counts), `${label}: counters (seed ${SEED})`).toEqual([]);
  const actualRecords = new Map([...actual.records].map(([key, { id: _id, ...record }]) => [key, record]));
  expect(mapDifferences(truth.records, actualRecords), `${label}: crossings (seed ${SEED})`).toEqual([]);
  expect(truth.records.size).toBeGreaterThan(100);

  const expectedIds = expectedEventIds(actual.records);
  const { eventIds, recordIds } = await readEventIds(kafka, topics.crossed, `${topics.group}-verify-${Date.now()}`, expectedIds.size);
  expect(new Set(eventIds).size, `${label}: distinct eventIds on the output topic`).toBe(expectedIds.size);
  expect([...new Set(eventIds)].filter((id) => !expectedIds.has(id))).toEqual([]);
  const idsOfRecords = new Set([...actual.records.values()].map((r) => r.id));
  expect([...recordIds.values()].every((recordId) => idsOfRecords.has(recordId))).toBe(true);
  return actual;
}

describe("counter: exactly once under kill -9, rebalances and replays", () => {
  const services = inject("testServices");
  const running: CounterProcess[] = [];
  let kafka: Kafka;
  let producer: Producer;

  const start = (env: Record<string, string>) => {
    const counter = spawnCounter(env);
    running.push(counter);
    return counter;
  };
  /** A wait that, when it times out, says whether the counter died or stalled and what it last logged. */
  const watching = <T>(counter: CounterProcess, where: string, wait: Promise<T>): Promise<T> =>
    wait.catch((error: unknown) => {
      const state =
        counter.child.exitCode !== null || counter.child.signalCode !== null
          ? `exited (${counter.child.exitCode ?? counter.child.signalCode})`
          : "running";
      throw new Error(`${String(error)}; ${where}, seed ${SEED}, counter ${state}; its stderr ends: ${counter.stderr().slice(-3000)}`);
    });
  const kill = async (counter: CounterProcess) => {
    counter.child.kill("SIGKILL");
    await counter.exited;
  };

  beforeAll(async () => {
    kafka = createKafkaFor(services);
    producer = await connectProducer(kafka);
  });

  afterAll(async () => {
    for (const counter of running) if (counter.child.exitCode === null && counter.child.signalCode === null) counter.child.kill("SIGKILL");
    await producer?.disconnect();
  });

  describe("one counter killed at random moments", () => {
    let database: TestDatabase;
    let topics: CounterTopics;
    let env: Record<string, string>;
    let workload: Workload;
    let settled: Awaited<ReturnType<typeof actualState>>;

    beforeAll(async () => {
      database = await createTestDatabase(services.databaseUrl);
      topics = uniqueCounterTopics("crash");
      await createCounterTopics(kafka, topics, 3);
      env = counterEnv(services, database.url, topics, {
        // Small fetches: many batches, so kills land mid-stream.
        COUNTER_MAX_BYTES_PER_PARTITION: "65536",
        COUNTER_RELAY_BATCH_SIZE: "100",
      });
      workload = generateWorkload(SEED, 20_000, 500, 1000);
      await installWorkloadConfig(database.db, workload);
    });

    afterAll(async () => {
      await database?.drop();
    });

    it("ends with every counter and crossing equal to the ground truth after >= 5 SIGKILLs", async () => {
      const random = seededRandom(SEED);
      let counter = start(env);
      await produceInOrder(producer, topics.cancelled, workload.earlyCancels);
      await watching(counter, "early cancels", waitCaughtUp(kafka, database.db, topics.group, [topics.cancelled], 90_000));

      const slices = 6;
      const per = Math.ceil(workload.confirms.length / slices);
      let kills = 0;
      for (let slice = 0; slice < slices; slice++) {
        await produceInOrder(producer, topics.confirmed, workload.confirms.slice(slice * per, (slice + 1) * per));
        // Kill once the counter is applying batches, at a random moment.
        const before = await storedProgress(database.db, topics.group);
        await watching(
          counter,
          `slice ${slice}`,
          eventually(async () => ((await storedProgress(database.db, topics.group)) > before ? true : undefined), 60_000, "progress"),
        );
        await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 400)));
        await kill(counter);
        kills++;
        counter = start(env);
      }
      await waitCaughtUp(kafka, database.db, topics.group, [topics.confirmed, topics.cancelled], 90_000);

      await produceInOrder(producer, topics.cancelled, workload.lateCancels);
      const before = await storedProgress(database.db, topics.group);
      await eventually(async () => ((await storedProgress(database.db, topics.group)) > before ? true : undefined), 60_000, "progress");
      await kill(counter);
      kills++;
      counter = start(env);
      await waitCaughtUp(kafka, database.db, topics.group, [topics.confirmed, topics.cancelled], 90_000);
      await waitOutboxEmpty(database.db);
      expect(kills).toBeGreaterThanOrEqual(5);

      // SIGTERM: finishes the batch in hand, flushes the relay, leaves the group, exits 0.
      expect(await counter.terminate(), counter.stderr()).toBe(0);
      settled = await expectExact(database, kafka, topics, workload, "after kills");
      const reconcile = await runTool("reconcile", [], env);
      expect(reconcile.code, reconcile.stderr).toBe(0);
      expect(JSON.parse(reconcile.stdout)).toMatchObject({ driftedCounters: 0 });
    });

    it("a replay from the beginning changes no counter and no record", async () => {
      expect(settled).toBeDefined();
      const outboxBefore = await database.db("outbox").count<{ count: number }[]>({ count: "*" });
      const replay = await runTool("replay", ["--to", "2000-01-01T00:00:00Z", "--group", topics.group], env);
      expect(replay.code, replay.stderr).toBe(0);
      expect(JSON.parse(replay.stdout).partitions.every((p: { offset: string }) => p.offset === "0")).toBe(true);

      const counter = start(env);
      await waitCaughtUp(kafka, database.db, topics.group, [topics.confirmed, topics.cancelled], 90_000);
      await waitOutboxEmpty(database.db);
      expect(await counter.terminate(), counter.stderr()).toBe(0);

      const after = await actualState(
        database.db,
        workload.orgs.map((org) => org.id),
      );
      expect(mapDifferences(settled.counts, after.counts)).toEqual([]);
      expect(mapDifferences(settled.records, after.records)).toEqual([]);
      expect(await database.db("outbox").count<{ count: number }[]>({ count: "*" })).toEqual(outboxBefore);
    });
  });

  it("two instances in one group, one killed mid-run: the survivor takes over and the result is exact", async () => {
    const database = await createTestDatabase(services.databaseUrl);
    try {
      const topics = uniqueCounterTopics("rebalance");
      await createCounterTopics(kafka, topics, 3);
      const env = counterEnv(services, database.url, topics, {
        COUNTER_MAX_BYTES_PER_PARTITION: "32768",
      });
      const workload = generateWorkload(SEED + 1, 8000, 300, 300);
      await installWorkloadConfig(database.db, workload);
      const first = start(env);
      const second = start(env);
      await produceInOrder(producer, topics.cancelled, workload.earlyCancels);
      await waitCaughtUp(kafka, database.db, topics.group, [topics.cancelled], 90_000);
      await produceInOrder(producer, topics.confirmed, workload.confirms);
      const before = await storedProgress(database.db, topics.group);
      await eventually(async () => ((await storedProgress(database.db, topics.group)) > before ? true : undefined), 60_000, "progress");
      await kill(first);
      await waitCaughtUp(kafka, database.db, topics.group, [topics.confirmed, topics.cancelled], 90_000);
      await produceInOrder(producer, topics.cancelled, workload.lateCancels);
      await waitCaughtUp(kafka, database.db, topics.group, [topics.confirmed, topics.cancelled], 90_000);
      await waitOutboxEmpty(database.db);
      expect(await second.terminate(), second.stderr()).toBe(0);
      await expectExact(database, kafka, topics, workload, "after rebalance");
    } finally {
      await database.drop();
    }
  });
});

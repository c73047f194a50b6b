/**
 * npm run bench:counter — events per second from produce to committed in Postgres.
 *
 * The counter runs as a child process (its peak RSS is read from /proc/<pid>/status VmHWM);
 * a naive consumer (one Postgres transaction per message) runs in this process on a smaller
 * stream in the same run, and the figures are printed as rates and a ratio.
 * Env: BENCH_EVENTS (200000), BENCH_BASELINE_EVENTS (10000), BENCH_MENTORS (500),
 * BENCH_COUNTER_NODE_FLAGS (the recommended heap cap; "" for Node's defaults), BENCH_PRODUCE_CHUNK (5000), plus the
 * usual DATABASE_URL / KAFKA_BROKERS / REDIS_URL (defaults: the local stack).
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Kafka, Partitioners, logLevel } from "kafkajs";
import { createTestDatabase, freePort, spawnNode, uniqueName } from "@honorarium/shared/testing";
import { COMMON_NODE_FLAGS, serviceEntry, serviceOnlyNodeFlags } from "@honorarium/shared/runtime";
import type { Knex } from "@honorarium/shared/db";
import { assignmentConfirmedSchema } from "@honorarium/shared/contracts";
import { monthKeyOf, localDateKeyOf } from "@honorarium/shared/domain";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const BASELINE_EVENTS = Number(process.env.BENCH_BASELINE_EVENTS ?? 10_000);
const MENTORS = Number(process.env.BENCH_MENTORS ?? 500);
const PARTITIONS = 3;
// Messages per produce request (spread over the partitions): the size of the record batches the counter fetches.
const PRODUCE_CHUNK = Number(process.env.BENCH_PRODUCE_CHUNK ?? 5000);
const SERVER_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const BROKERS = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface BenchMessage {
  key: string;
  value: Buffer;
  partition: number;
}

/**
 * The stream, keyed by mentor. The load generator shares the two cores with the counter, so it
 * does its per-message work before the clock starts: values are encoded, and each mentor's
 * partition is computed once with KafkaJS's default partitioner (the same partition the key
 * would hash to) instead of once per message inside send().
 */
function makeEvents(count: number, org: string): BenchMessage[] {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));
  const mentors = Array.from({ length: MENTORS }, () => {
    const id = randomUUID();
    return {
      id,
      scope: randomUUID(),
      coordinator: randomUUID(),
      partition: partitioner({ topic: "", partitionMetadata, message: { key: id, value: null } }),
    };
  });
  const start = Date.parse("2026-01-01T00:00:00Z");
  return Array.from({ length: count }, (_, i) => {
    const mentor = mentors[i % MENTORS] as (typeof mentors)[number];
    return {
      key: mentor.id,
      partition: mentor.partition,
      value: Buffer.from(
        JSON.stringify({
          eventId: randomUUID(),
          assignmentId: randomUUID(),
          peerMentorId: mentor.id,
          organizationId: org,
          scopeId: mentor.scope,
          coordinatorId: mentor.coordinator,
          confirmedAt: new Date(start + (i % 300) * 86_400_000 + i).toISOString(),
        }),
      ),
    };
  });
}

async function produce(kafka: Kafka, topic: string, messages: BenchMessage[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += PRODUCE_CHUNK) {
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + PRODUCE_CHUNK) });
    }
  } finally {
    await producer.disconnect();
  }
}

async function committed(db: Knex, group: string): Promise<number> {
  const result: { rows: { total: number | null }[] } = await db.raw(
    "select sum(next_offset)::bigint as total from consumer_offsets where consumer_group = ?",
    [group],
  );
  return Number(result.rows[0]?.total ?? 0);
}

async function waitFor(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function peakRssMb(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Memory gauges (MB) from the counter's /metrics text. */
function memoryOf(metricsText: string): { rss?: number; heapTotal?: number; heapUsed?: number; external?: number } {
  const gauge = (name: string) => {
    const line = metricsText.split("\n").find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
    return line === undefined ? undefined : Math.round(Number(line.split(" ").at(-1)) / 1048576);
  };
  return {
    rss: gauge("process_resident_memory_bytes"),
    heapTotal: gauge("nodejs_heap_size_total_bytes"),
    heapUsed: gauge("nodejs_heap_size_used_bytes"),
    external: gauge("nodejs_external_memory_bytes"),
  };
}

/** The naive consumer: one message, one transaction (ledger insert, counter upsert, offset). */
async function runBaseline(kafka: Kafka, db: Knex, topic: string, count: number): Promise<number> {
  const group = uniqueName("bench-naive");
  const consumer = kafka.consumer({ groupId: group });
  let done = 0;
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const started = performance.now();
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      const event = assignmentConfirmedSchema.parse(JSON.parse(message.value?.toString() ?? "null"));
      await db.transaction(async (trx) => {
        const stored = await trx("consumer_offsets")
          .where({ consumer_group: group, topic, partition })
          .forUpdate()
          .first<{ next_offset: number } | undefined>();
        if (stored !== undefined && Number(message.offset) < stored.next_offset) return;
        const monthKey = monthKeyOf(event.confirmedAt);
        const inserted = await trx.raw(
          `insert into assignment_ledger (assignment_id, peer_mentor_id, organization_id, scope_id, coordinator_id, state, confirmed_at, month_key, activity_date, confirm_event_id)
           values (?, ?, ?, ?, ?, 'counted', ?, ?, ?, ?) on conflict do nothing`,
          [
            event.assignmentId,
            event.peerMentorId,
            event.organizationId,
            event.scopeId,
            event.coordinatorId,
            event.confirmedAt,
            monthKey,
            localDateKeyOf(event.confirmedAt),
            event.eventId,
          ],
        );
        if ((inserted as { rowCount: number }).rowCount === 1) {
          await trx.raw(
            `insert into mentor_month_counts (organization_id, scope_id, peer_mentor_id, month_key, confirmed_count) values (?, ?, ?, ?, 1)
             on conflict on constraint uq_mentor_month_counts do update set confirmed_count = mentor_month_counts.confirmed_count + 1`,
            [event.organizationId, event.scopeId, event.peerMentorId, monthKey],
          );
        }
        await trx.raw(
          `insert into consumer_offsets (consumer_group, topic, partition, next_offset) values (?, ?, ?, ?)
           on conflict (consumer_group, topic, partition) do update set next_offset = excluded.next_offset`,
          [group, topic, partition, Number(message.offset) + 1],
        );
      });
      done++;
    },
  });
  await waitFor(async () => done >= count, 600_000, "the naive consumer");
  const seconds = (performance.now() - started) / 1000;
  await consumer.disconnect();
  return count / seconds;
}

async function main(): Promise<void> {
  const kafka = new Kafka({ clientId: "bench-counter", brokers: BROKERS, logLevel: logLevel.ERROR });
  const database = await createTestDatabase(SERVER_URL, { poolMax: 4 });
  const prefix = uniqueName("bench");
  const confirmed = `${prefix}.assignment.confirmed.v1`;
  const cancelled = `${prefix}.assignment.cancelled.v1`;
  const naiveTopic = `${prefix}-naive.assignment.confirmed.v1`;
  const group = `${prefix}-counter`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: confirmed, numPartitions: PARTITIONS },
      { topic: cancelled, numPartitions: PARTITIONS },
      { topic: naiveTopic, numPartitions: PARTITIONS },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();

  const org = randomUUID();
  for (const [count, order, level, amount] of [
    [3, 1, "office_honorarium", "500.00"],
    [15, 2, "higher_rate", "1500.00"],
  ] as const) {
    await database.db("threshold_configs").insert({
      organization_id: org,
      name: level,
      threshold_count: count,
      honorarium_amount: amount,
      tier_order: order,
      threshold_level: level,
      effective_from: "2020-01-01T00:00:00Z",
      created_by: randomUUID(),
    });
  }

  const port = await freePort();
  const profile = process.env.BENCH_CPU_PROFILE_DIR ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE_DIR}`] : [];
  // The counter's production flags (shared/src/runtime/node-flags.ts); BENCH_COUNTER_NODE_FLAGS replaces them ("" runs without a heap cap).
  const nodeFlags =
    process.env.BENCH_COUNTER_NODE_FLAGS === undefined
      ? [...serviceOnlyNodeFlags("counter")]
      : process.env.BENCH_COUNTER_NODE_FLAGS.split(" ").filter((flag) => flag !== "");
  const child = spawnNode(`${ROOT}${serviceEntry("counter")}`, {
    flags: [...COMMON_NODE_FLAGS, ...nodeFlags, ...profile],
    env: {
      DATABASE_URL: database.url,
      KAFKA_BROKERS: BROKERS.join(","),
      REDIS_URL,
      LOG_LEVEL: process.env.BENCH_COUNTER_LOG_LEVEL ?? "warn",
      COUNTER_HTTP_PORT: String(port),
      COUNTER_GROUP_ID: group,
      COUNTER_TOPICS: `${confirmed},${cancelled}`,
      COUNTER_THRESHOLD_CROSSED_TOPIC: `${prefix}.honorarium.threshold-crossed.v1`,
      LIVE_UPDATES_PREFIX: `${prefix}:`,
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const pid = child.pid ?? 0;
  try {
    await waitFor(
      async () => {
        try {
          return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok;
        } catch {
          return false;
        }
      },
      60_000,
      "the counter to be ready",
    );
    const events = makeEvents(EVENTS, org);
    // Peaks of the counter's memory parts while it works (VmHWM gives only the RSS peak).
    const peakMemoryMb = { heapTotal: 0, heapUsed: 0, external: 0 };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        try {
          const memory = memoryOf(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
          for (const part of ["heapTotal", "heapUsed", "external"] as const)
            peakMemoryMb[part] = Math.max(peakMemoryMb[part], memory[part] ?? 0);
        } catch {
          // The counter is busy or gone; the next sample will tell.
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    })();
    const started = performance.now();
    await produce(kafka, confirmed, events);
    const producedSeconds = (performance.now() - started) / 1000;
    // Two phases: while the producer runs it shares the two cores with the counter; after, the counter has them.
    const committedWhenProduced = await committed(database.db, group);
    await waitFor(async () => (await committed(database.db, group)) >= EVENTS, 600_000, "the counter to commit every event");
    const seconds = (performance.now() - started) / 1000;
    const rss = peakRssMb(pid);
    sampling = false;
    await sampler;
    const memoryAtEndMb = memoryOf(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    const counted = await database.db("mentor_month_counts").sum<{ total: number }[]>({ total: "confirmed_count" });
    const records = await database.db("honorarium_records").count<{ count: number }[]>({ count: "*" });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;

    await produce(kafka, naiveTopic, makeEvents(BASELINE_EVENTS, randomUUID()));
    const baselineRate = await runBaseline(kafka, database.db, naiveTopic, BASELINE_EVENTS);

    const rate = EVENTS / seconds;
    const result = {
      events: EVENTS,
      partitions: PARTITIONS,
      mentors: MENTORS,
      secondsProduceToCommitted: Number(seconds.toFixed(2)),
      secondsProducing: Number(producedSeconds.toFixed(2)),
      committedWhileProducing: committedWhenProduced,
      eventsPerSecondAfterProducing: Math.round((EVENTS - committedWhenProduced) / (seconds - producedSeconds)),
      eventsPerSecond: Math.round(rate),
      countedInPostgres: Number(counted[0]?.total ?? 0),
      crossingRecords: Number(records[0]?.count ?? 0),
      baselineEvents: BASELINE_EVENTS,
      baselineEventsPerSecond: Math.round(baselineRate),
      speedup: Number((rate / baselineRate).toFixed(1)),
      counterNodeFlags: nodeFlags.join(" "),
      counterPeakRssMb: rss === undefined ? null : Number(rss.toFixed(1)),
      counterPeakMemoryMb: peakMemoryMb,
      counterMemoryAtEndMb: memoryAtEndMb,
      targets: { eventsPerSecond: 20_000, speedup: 10, peakRssMb: 300 },
      met: { eventsPerSecond: rate >= 20_000, speedup: rate / baselineRate >= 10, peakRss: rss !== undefined && rss < 300 },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    mkdirSync(`${ROOT}bench/results`, { recursive: true });
    writeFileSync(`${ROOT}bench/results/counter.json`, `${JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2)}\n`);
  } finally {
    if (child.exitCode === null) child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 500));
    await database.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

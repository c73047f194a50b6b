/**
 * npm run bench:counter — the counter's events per second, in three parts of one run:
 *
 * 1. Produce → committed: the counter runs as a child process while 200,000 events are produced;
 *    the clock runs from the first send to every event committed in Postgres. A naive consumer
 *    (one Postgres transaction per message) runs in this process on a smaller stream, for a ratio.
 * 2. Consume-only against Kafka Streams, short (BENCH_EVENTS) and long (BENCH_LONG_EVENTS): the
 *    stream is produced once into its own topic before any clock starts, then the counter and its
 *    Kafka Streams peer (bench/kafka-streams: exactly_once_v2, a RocksDB dedupe store and a RocksDB
 *    count store) each consume that same topic from the beginning, alternately A B A B, each run
 *    from nothing: the counter with a fresh consumer group and a fresh database (its ledger and
 *    positions start empty, as the peer's stores and changelogs do), Kafka Streams with a fresh
 *    application id and state directory.
 *
 *    The clock, the same for both sides: it starts when the side says it is consuming — the
 *    counter's /readyz answering 200 (its consumer has joined the group; polled every 20 ms), Kafka
 *    Streams printing RUNNING (tasks assigned, stores open) — so process start-up (Node's, the
 *    JVM's, RocksDB's) and the group join are excluded for both and reported apart as
 *    secondsToReady. It stops when this harness sees every event committed where the side commits
 *    for good, polled every 50 ms: the counter's positions in Postgres (consumer_offsets, written in
 *    the transaction that applies the batch), Kafka Streams' committed offsets on the broker (which
 *    under exactly_once_v2 move only when a transaction with the state changes commits, every
 *    commit.interval.ms = 100 ms by default). committedAtStart shows that neither had committed
 *    anything before its clock started.
 *
 * Peak RSS is each child's VmHWM (/proc/<pid>/status), read before it is stopped. The JVM runs with
 * its default heap unless BENCH_STREAMS_JAVA_OPTS says otherwise; RocksDB's memory is inside that
 * process, while the counter's state lives in Postgres' processes, which no RSS here counts.
 *
 * Env: BENCH_EVENTS (200000), BENCH_BASELINE_EVENTS (10000), BENCH_MENTORS (500), BENCH_PAIRS
 * (short comparison pairs, 3; 0 skips), BENCH_LONG_EVENTS (2000000; 0 skips the long comparison),
 * BENCH_LONG_PAIRS (3), BENCH_STREAMS_THREADS (num.stream.threads, 1), BENCH_STREAMS_JAVA_OPTS
 * (JVM options, none), BENCH_COUNTER_NODE_FLAGS (the recommended heap cap; "" for Node's
 * defaults), BENCH_PRODUCE_CHUNK (5000), plus the usual DATABASE_URL / KAFKA_BROKERS / REDIS_URL
 * (defaults: the local stack).
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { createTestDatabase, uniqueName } from "@honorarium/shared/testing";
import { serviceOnlyNodeFlags } from "@honorarium/shared/runtime";
import type { Knex } from "@honorarium/shared/db";
import { assignmentConfirmedSchema } from "@honorarium/shared/contracts";
import { monthKeyOf, localDateKeyOf } from "@honorarium/shared/domain";
import { chunksOf, eventSource } from "./events.ts";
import { connectBenchKafka, type BenchKafka } from "./kafka.ts";
import {
  committedInPostgres,
  peakRssMb,
  runCounterConsume,
  runStreamsConsume,
  spawnCounter,
  streamsClasspath,
  waitFor,
  type ConsumeRun,
  type CounterOptions,
} from "./peers.ts";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const BASELINE_EVENTS = Number(process.env.BENCH_BASELINE_EVENTS ?? 10_000);
const MENTORS = Number(process.env.BENCH_MENTORS ?? 500);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 3);
const LONG_EVENTS = Number(process.env.BENCH_LONG_EVENTS ?? 2_000_000);
const LONG_PAIRS = Number(process.env.BENCH_LONG_PAIRS ?? 3);
// Kafka Streams' default, and its faster setting here: at 500,000 events 1 thread gave 24,900 and 27,400/s, 2 threads 22,200 and 22,700/s.
const STREAMS_THREADS = Number(process.env.BENCH_STREAMS_THREADS ?? 1);
const STREAMS_JAVA_OPTIONS = (process.env.BENCH_STREAMS_JAVA_OPTS ?? "").split(" ").filter((option) => option !== "");
const PARTITIONS = 3;
// Messages per produce request (spread over the partitions): the size of the record batches the counter fetches.
const PRODUCE_CHUNK = Number(process.env.BENCH_PRODUCE_CHUNK ?? 5000);
const SERVER_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const BROKERS = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
// The counter's production flags (shared/src/runtime/node-flags.ts); BENCH_COUNTER_NODE_FLAGS replaces them ("" runs without a heap cap).
const COUNTER_NODE_FLAGS =
  process.env.BENCH_COUNTER_NODE_FLAGS === undefined
    ? [...serviceOnlyNodeFlags("counter")]
    : process.env.BENCH_COUNTER_NODE_FLAGS.split(" ").filter((flag) => flag !== "");
const COUNTER_LOG_LEVEL = process.env.BENCH_COUNTER_LOG_LEVEL ?? "warn";

const log = (line: string) => process.stderr.write(`[bench:counter] ${line}\n`);

async function insertTiers(db: Knex, org: string): Promise<void> {
  for (const [count, order, level, amount] of [
    [3, 1, "office_honorarium", "500.00"],
    [15, 2, "higher_rate", "1500.00"],
  ] as const) {
    await db("threshold_configs").insert({
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
async function runBaseline(kafka: BenchKafka, db: Knex, topic: string, count: number): Promise<number> {
  const group = uniqueName("bench-naive");
  let done = 0;
  const started = performance.now();
  const consumer = await kafka.consumeEach(group, topic, async ({ partition, offset, value }) => {
    const event = assignmentConfirmedSchema.parse(JSON.parse(value?.toString() ?? "null"));
    await db.transaction(async (trx) => {
      const stored = await trx("consumer_offsets")
        .where({ consumer_group: group, topic, partition })
        .forUpdate()
        .first<{ next_offset: number } | undefined>();
      if (stored !== undefined && Number(offset) < stored.next_offset) return;
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
        [group, topic, partition, Number(offset) + 1],
      );
    });
    done++;
  });
  await waitFor(async () => done >= count, 600_000, "the naive consumer");
  const seconds = (performance.now() - started) / 1000;
  await consumer.stop();
  return count / seconds;
}

/** Part 1: produce → committed while the counter runs, and the naive baseline. */
async function produceToCommitted(kafka: BenchKafka, prefix: string) {
  const database = await createTestDatabase(SERVER_URL, { poolMax: 4 });
  const confirmed = `${prefix}.assignment.confirmed.v1`;
  const cancelled = `${prefix}.assignment.cancelled.v1`;
  const naiveTopic = `${prefix}-naive.assignment.confirmed.v1`;
  const group = `${prefix}-counter`;
  await kafka.createTopics([confirmed, cancelled, naiveTopic], PARTITIONS);
  const org = randomUUID();
  await insertTiers(database.db, org);

  const profile = process.env.BENCH_CPU_PROFILE_DIR ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE_DIR}`] : [];
  const counter = await spawnCounter(ROOT, {
    databaseUrl: database.url,
    brokers: BROKERS,
    redisUrl: REDIS_URL,
    group,
    topics: [confirmed, cancelled],
    thresholdCrossedTopic: `${prefix}.honorarium.threshold-crossed.v1`,
    liveUpdatesPrefix: `${prefix}:`,
    nodeFlags: [...COUNTER_NODE_FLAGS, ...profile],
    logLevel: COUNTER_LOG_LEVEL,
  });
  try {
    await counter.ready();
    const events = eventSource(EVENTS, org, MENTORS, PARTITIONS).slice(0, EVENTS);
    // Peaks of the counter's memory parts while it works (VmHWM gives only the RSS peak).
    const peakMemoryMb = { heapTotal: 0, heapUsed: 0, external: 0 };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        try {
          const memory = memoryOf(await counter.metricsText());
          for (const part of ["heapTotal", "heapUsed", "external"] as const)
            peakMemoryMb[part] = Math.max(peakMemoryMb[part], memory[part] ?? 0);
        } catch {
          // The counter is busy or gone; the next sample will tell.
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    })();
    const started = performance.now();
    await kafka.produce(confirmed, chunksOf(events, PRODUCE_CHUNK));
    const producedSeconds = (performance.now() - started) / 1000;
    // Two phases: while the producer runs it shares the two cores with the counter; after, the counter has them.
    const committedWhenProduced = await committedInPostgres(database.db, group);
    await waitFor(async () => (await committedInPostgres(database.db, group)) >= EVENTS, 600_000, "the counter to commit every event");
    const seconds = (performance.now() - started) / 1000;
    const rss = peakRssMb(counter.pid);
    sampling = false;
    await sampler;
    const memoryAtEndMb = memoryOf(await counter.metricsText());
    const counted = await database.db("mentor_month_counts").sum<{ total: number }[]>({ total: "confirmed_count" });
    const records = await database.db("honorarium_records").count<{ count: number }[]>({ count: "*" });
    await counter.stop();

    await kafka.produce(
      naiveTopic,
      chunksOf(eventSource(BASELINE_EVENTS, randomUUID(), MENTORS, PARTITIONS).slice(0, BASELINE_EVENTS), PRODUCE_CHUNK),
    );
    const baselineRate = await runBaseline(kafka, database.db, naiveTopic, BASELINE_EVENTS);

    const rate = EVENTS / seconds;
    log(
      `produce → committed: ${EVENTS} events in ${seconds.toFixed(1)} s = ${Math.round(rate)}/s; naive baseline ${Math.round(baselineRate)}/s`,
    );
    return {
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
      counterNodeFlags: COUNTER_NODE_FLAGS.join(" "),
      counterPeakRssMb: rss === undefined ? null : Number(rss.toFixed(1)),
      counterPeakMemoryMb: peakMemoryMb,
      counterMemoryAtEndMb: memoryAtEndMb,
    };
  } finally {
    await counter.stop();
    await database.drop();
    await kafka.deleteGroups([group]);
  }
}

function gitHead(): string | null {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return null;
  }
}

function spread(values: readonly number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median = sorted.length % 2 === 1 ? (sorted[Math.floor(middle)] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return { min: sorted[0] ?? 0, median: Number(median.toFixed(3)), max: sorted.at(-1) ?? 0 };
}

/** One side's runs at one size; `allCounted`: every run counted every event and had committed none before its clock started. */
function side<Run extends ConsumeRun>(runs: readonly Run[], events: number) {
  const rss = runs.map((run) => run.peakRssMb ?? 0);
  return {
    runs,
    eventsPerSecond: spread(runs.map((run) => run.eventsPerSecond)),
    peakRssMb: { max: Math.max(...rss), median: spread(rss).median },
    allCounted: runs.every((run) => run.counted === events && run.committedAtStart === 0),
  };
}

/** Part 2 at one size: one pre-produced topic, then counter and Kafka Streams alternately on it. */
async function compareAt(kafka: BenchKafka, classpath: string, prefix: string, label: string, events: number, pairs: number) {
  const org = randomUUID();
  const base = `${prefix}-${label}`;
  const confirmed = `${base}.assignment.confirmed.v1`;
  // The counter also reads the cancelled topic (COUNTER_TOPICS); here it stays empty.
  const cancelled = `${base}.assignment.cancelled.v1`;
  await kafka.createTopics([confirmed, cancelled], PARTITIONS);
  const producing = performance.now();
  await kafka.produce(confirmed, eventSource(events, org, MENTORS, PARTITIONS).chunks(PRODUCE_CHUNK));
  log(
    `${label}: ${events.toLocaleString("en")} events produced into ${confirmed} in ${((performance.now() - producing) / 1000).toFixed(1)} s`,
  );

  const counterRuns: ConsumeRun[] = [];
  const streamsRuns: (ConsumeRun & { summary: Record<string, number> })[] = [];
  for (let pair = 1; pair <= pairs; pair++) {
    log(`${label} pair ${pair}/${pairs} (load average ${loadavg()[0]?.toFixed(2)})`);
    const database = await createTestDatabase(SERVER_URL, { poolMax: 2 });
    const group = `${base}-counter-${pair}`;
    try {
      await insertTiers(database.db, org);
      const options: CounterOptions = {
        databaseUrl: database.url,
        brokers: BROKERS,
        redisUrl: REDIS_URL,
        group,
        topics: [confirmed, cancelled],
        thresholdCrossedTopic: `${base}.honorarium.threshold-crossed.v1`,
        liveUpdatesPrefix: `${base}-${pair}:`,
        nodeFlags: COUNTER_NODE_FLAGS,
        logLevel: COUNTER_LOG_LEVEL,
      };
      counterRuns.push(await runCounterConsume(ROOT, options, database.db, events, log));
    } finally {
      await database.drop();
      await kafka.deleteGroups([group]);
    }
    streamsRuns.push(
      await runStreamsConsume(
        classpath,
        {
          brokers: BROKERS,
          topic: confirmed,
          applicationId: `${base}-streams-${pair}`,
          threads: STREAMS_THREADS,
          javaOptions: STREAMS_JAVA_OPTIONS,
        },
        kafka,
        events,
        log,
      ),
    );
  }
  const ratios = counterRuns.map((run, i) => Number((run.eventsPerSecond / (streamsRuns[i]?.eventsPerSecond ?? NaN)).toFixed(3)));
  return {
    events,
    pairs,
    topic: confirmed,
    counter: side(counterRuns, events),
    kafkaStreams: side(streamsRuns, events),
    ratioCounterToKafkaStreams: { perPair: ratios, median: spread(ratios).median },
  };
}

async function main(): Promise<void> {
  const kafka = await connectBenchKafka(BROKERS);
  const prefix = uniqueName("bench");
  const loadAtStart = loadavg();
  try {
    const produced = await produceToCommitted(kafka, prefix);

    const sizes = [
      { label: "short", events: EVENTS, pairs: PAIRS },
      { label: "long", events: LONG_EVENTS, pairs: LONG_PAIRS },
    ].filter((size) => size.events > 0 && size.pairs > 0);
    // Built (or found in the cache) before any clock starts.
    const classpath = sizes.length > 0 ? streamsClasspath(ROOT) : "";
    const comparisons: Record<string, Awaited<ReturnType<typeof compareAt>>> = {};
    for (const size of sizes) {
      try {
        comparisons[size.label] = await compareAt(kafka, classpath, prefix, size.label, size.events, size.pairs);
      } finally {
        await kafka.deleteTopics([], [`${prefix}-${size.label}`]);
      }
    }
    const { short, long } = comparisons;

    const counterPeakRss = Math.max(
      produced.counterPeakRssMb ?? Infinity,
      ...Object.values(comparisons).map((comparison) => comparison.counter.peakRssMb.max),
    );
    const fraction = (of: "counter" | "kafkaStreams") =>
      short === undefined || long === undefined
        ? null
        : Number((long[of].eventsPerSecond.median / short[of].eventsPerSecond.median).toFixed(3));
    const longFraction = { counter: fraction("counter"), kafkaStreams: fraction("kafkaStreams") };
    const longRatio = long?.ratioCounterToKafkaStreams.median ?? null;

    const result = {
      // The counter measured is the work tree's: this commit, unless services/ has uncommitted edits (BENCH_COMMIT names it for a copy outside git).
      commit: process.env.BENCH_COMMIT ?? gitHead(),
      ...produced,
      consumeOnly: {
        clock:
          "from the side's ready signal (counter /readyz 200, Kafka Streams RUNNING) to every event committed (Postgres positions; the application's offsets on the broker)",
        kafkaStreams: {
          version: "4.4.0",
          processingGuarantee: "exactly_once_v2",
          numStreamThreads: STREAMS_THREADS,
          javaOptions: STREAMS_JAVA_OPTIONS.join(" "),
        },
        ...comparisons,
        longRateAsFractionOfShort: longFraction,
      },
      loadAverage: { atStart: loadAtStart.map((load) => Number(load.toFixed(2))), atEnd: loadavg().map((load) => Number(load.toFixed(2))) },
      counterPeakRssMbAllRuns: Number(counterPeakRss.toFixed(1)),
      targets: {
        eventsPerSecond: 20_000,
        speedup: 10,
        peakRssMb: 300,
        counterToKafkaStreamsLong: 1.0,
        counterPeakRssMbAllRuns: 250,
        longRateAsFractionOfShort: 0.9,
      },
      met: {
        eventsPerSecond: produced.eventsPerSecond >= 20_000,
        speedup: produced.speedup >= 10,
        peakRss: produced.counterPeakRssMb !== null && produced.counterPeakRssMb < 300,
        counterToKafkaStreamsLong: longRatio === null ? null : longRatio >= 1.0,
        counterPeakRssMbAllRuns: counterPeakRss < 250,
        longRateAsFractionOfShort: longFraction.counter === null ? null : longFraction.counter >= 0.9,
      },
    };
    for (const [label, comparison] of Object.entries(comparisons)) {
      for (const name of ["counter", "kafkaStreams"] as const) {
        const { eventsPerSecond: rate, peakRssMb } = comparison[name];
        log(
          `${label} ${name.padEnd(12)} events/s min ${rate.min} median ${rate.median} max ${rate.max}; peak RSS max ${peakRssMb.max} MB` +
            ` (runs: ${comparison[name].runs.map((run) => run.eventsPerSecond).join(", ")})`,
        );
      }
      log(
        `${label} counter / Kafka Streams: median ${comparison.ratioCounterToKafkaStreams.median} (pairs: ${comparison.ratioCounterToKafkaStreams.perPair.join(", ")})`,
      );
    }
    log(`long-run rate as a fraction of the short run: counter ${longFraction.counter}, Kafka Streams ${longFraction.kafkaStreams}`);
    log(`met: ${JSON.stringify(result.met)}`);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    mkdirSync(`${ROOT}bench/results`, { recursive: true });
    writeFileSync(`${ROOT}bench/results/counter.json`, `${JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2)}\n`);
  } finally {
    await kafka.deleteTopics([], [prefix]).catch(() => undefined);
    await kafka.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

/**
 * The two processes bench:counter measures — our counter (a Node child) and its Kafka Streams peer
 * (a JVM child, bench/kafka-streams) — and the helpers to watch them.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { COMMON_NODE_FLAGS, SERVICE_PROCESS_ENV, serviceEntry } from "@honorarium/shared/runtime";
import { freePort, spawnNode } from "@honorarium/shared/testing";
import type { Knex } from "@honorarium/shared/db";
import type { BenchKafka } from "./kafka.ts";

export async function waitFor(probe: () => Promise<boolean>, timeoutMs: number, what: string, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The process's peak resident set (VmHWM), MB; read while it still runs. */
export function peakRssMb(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

function exitOf(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Fails the wait as soon as the child has exited (instead of at the timeout). */
function whileAlive(child: ChildProcess, name: string, probe: () => Promise<boolean>): () => Promise<boolean> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode})`);
    return probe();
  };
}

/** Sum of the counter's positions in Postgres: what it has applied and committed. */
export async function committedInPostgres(db: Knex, group: string): Promise<number> {
  const result: { rows: { total: number | null }[] } = await db.raw(
    "select sum(next_offset)::bigint as total from consumer_offsets where consumer_group = ?",
    [group],
  );
  return Number(result.rows[0]?.total ?? 0);
}

export interface CounterOptions {
  databaseUrl: string;
  brokers: readonly string[];
  redisUrl: string;
  group: string;
  topics: readonly string[];
  thresholdCrossedTopic: string;
  liveUpdatesPrefix: string;
  /** Node flags after the common ones (the counter's production flags unless the bench is told otherwise). */
  nodeFlags: readonly string[];
  logLevel: string;
}

export interface CounterProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  /** Resolves when /readyz answers 200 (the consumer has joined its group), polled every 20 ms. */
  ready(timeoutMs?: number): Promise<void>;
  metricsText(): Promise<string>;
  stop(): Promise<void>;
}

export async function spawnCounter(root: string, options: CounterOptions): Promise<CounterProcess> {
  const port = await freePort();
  const child = spawnNode(`${root}${serviceEntry("counter")}`, {
    flags: [...COMMON_NODE_FLAGS, ...options.nodeFlags],
    env: {
      ...SERVICE_PROCESS_ENV,
      DATABASE_URL: options.databaseUrl,
      KAFKA_BROKERS: options.brokers.join(","),
      REDIS_URL: options.redisUrl,
      LOG_LEVEL: options.logLevel,
      COUNTER_HTTP_PORT: String(port),
      COUNTER_GROUP_ID: options.group,
      COUNTER_TOPICS: options.topics.join(","),
      COUNTER_THRESHOLD_CROSSED_TOPIC: options.thresholdCrossedTopic,
      LIVE_UPDATES_PREFIX: options.liveUpdatesPrefix,
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  return {
    child,
    pid: child.pid ?? 0,
    port,
    ready: (timeoutMs = 60_000) =>
      waitFor(
        whileAlive(child, "the counter", async () => {
          try {
            return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok;
          } catch {
            return false;
          }
        }),
        timeoutMs,
        "the counter to be ready",
        20,
      ),
    metricsText: async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
    async stop() {
      const exited = exitOf(child);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** One consume-only run: how long a side took from its start to having committed every event. */
export interface ConsumeRun {
  eventsPerSecond: number;
  /** From ready (see the clock note in run.ts) to the last event committed. */
  seconds: number;
  /** From spawning the process to ready: start-up, excluded from the rate. */
  secondsToReady: number;
  /** Events committed when the clock started (0 unless the side began before it said so). */
  committedAtStart: number;
  peakRssMb: number | null;
  /** Events counted in the side's own store, read after the clock stopped: must equal the events. */
  counted: number;
}

const COMMIT_TIMEOUT_MS = (events: number) => Math.max(600_000, events * 2);

/** The counter on a stream that is already in Kafka, with a fresh consumer group and its own database. */
export async function runCounterConsume(
  root: string,
  options: CounterOptions,
  db: Knex,
  events: number,
  log: (line: string) => void,
): Promise<ConsumeRun> {
  const spawnedAt = performance.now();
  const counter = await spawnCounter(root, options);
  try {
    await counter.ready();
    const startedAt = performance.now();
    const committedAtStart = await committedInPostgres(db, options.group);
    await waitFor(
      whileAlive(counter.child, "the counter", async () => (await committedInPostgres(db, options.group)) >= events),
      COMMIT_TIMEOUT_MS(events),
      "the counter to commit every event",
    );
    const seconds = (performance.now() - startedAt) / 1000;
    const rss = peakRssMb(counter.pid);
    const counted = await db("mentor_month_counts").sum<{ total: number }[]>({ total: "confirmed_count" });
    await counter.stop();
    const run: ConsumeRun = {
      eventsPerSecond: Math.round(events / seconds),
      seconds: Number(seconds.toFixed(2)),
      secondsToReady: Number(((startedAt - spawnedAt) / 1000).toFixed(2)),
      committedAtStart,
      peakRssMb: rss === undefined ? null : Number(rss.toFixed(1)),
      counted: Number(counted[0]?.total ?? 0),
    };
    log(describe("counter", events, run));
    return run;
  } finally {
    await counter.stop();
  }
}

export interface StreamsOptions {
  brokers: readonly string[];
  topic: string;
  applicationId: string;
  threads: number;
  javaOptions: readonly string[];
}

/** Builds bench/kafka-streams once per content (bench/kafka-streams/build.sh) and returns its classpath. */
export function streamsClasspath(root: string): string {
  const dir = execFileSync("bash", [join(root, "bench/kafka-streams/build.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
  return `${dir}/app.jar:${dir}/lib/*`;
}

/**
 * Kafka Streams on the same stream: a fresh application id (so a fresh group, fresh changelog
 * topics, nothing restored) and a fresh state directory, both removed afterwards.
 */
export async function runStreamsConsume(
  classpath: string,
  options: StreamsOptions,
  kafka: BenchKafka,
  events: number,
  log: (line: string) => void,
): Promise<ConsumeRun & { summary: Record<string, number> }> {
  const stateDir = mkdtempSync(join(tmpdir(), "bench-kafka-streams-"));
  const spawnedAt = performance.now();
  const child = spawn(
    "java",
    [
      ...options.javaOptions,
      "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
      // The state directory is a temp directory on purpose (removed after the run): not worth a warning per run.
      "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.streams.processor.internals.StateDirectory=error",
      "-cp",
      classpath,
      "no.honorariumtracker.bench.StreamsCounter",
      options.brokers.join(","),
      options.applicationId,
      options.topic,
      stateDir,
      String(options.threads),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let runningAt: number | undefined;
  let summary: Record<string, number> | undefined;
  const lines = createInterface({ input: child.stdout });
  lines.on("line", (line) => {
    // Whichever comes first: RUNNING (all threads assigned) or the first record (a thread that started before the others).
    if (line.startsWith("RUNNING ") || line.startsWith("FIRST ")) runningAt ??= performance.now();
    else if (line.startsWith("SUMMARY ")) summary = JSON.parse(line.slice("SUMMARY ".length)) as Record<string, number>;
    else process.stderr.write(`[kafka-streams] ${line}\n`);
  });
  const exited = exitOf(child);
  try {
    await waitFor(
      whileAlive(child, "Kafka Streams", async () => runningAt !== undefined),
      120_000,
      "Kafka Streams to be RUNNING",
      5,
    );
    const startedAt = runningAt ?? performance.now();
    const committedAtStart = await kafka.committedOffsets(options.applicationId, options.topic);
    await waitFor(
      whileAlive(child, "Kafka Streams", async () => (await kafka.committedOffsets(options.applicationId, options.topic)) >= events),
      COMMIT_TIMEOUT_MS(events),
      "Kafka Streams to commit every event",
    );
    const seconds = (performance.now() - startedAt) / 1000;
    const rss = peakRssMb(child.pid ?? 0);
    child.kill("SIGTERM");
    await exited;
    lines.close();
    if (summary === undefined) throw new Error(`Kafka Streams exited (${child.exitCode ?? child.signalCode}) without its summary`);
    const run = {
      eventsPerSecond: Math.round(events / seconds),
      seconds: Number(seconds.toFixed(2)),
      secondsToReady: Number(((startedAt - spawnedAt) / 1000).toFixed(2)),
      committedAtStart,
      peakRssMb: rss === undefined ? null : Number(rss.toFixed(1)),
      counted: summary.counted ?? 0,
      summary,
    };
    log(describe("Kafka Streams", events, run));
    return run;
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
    rmSync(stateDir, { recursive: true, force: true });
    // Its changelog topics (<application id>-<store>-changelog) and its group.
    await kafka.deleteTopics([], [`${options.applicationId}-`]);
    await kafka.deleteGroups([options.applicationId]);
  }
}

function describe(side: string, events: number, run: ConsumeRun): string {
  return (
    `${side.padEnd(13)} ${events.toLocaleString("en")} events in ${run.seconds.toFixed(1)} s = ${run.eventsPerSecond.toLocaleString("en")}/s` +
    ` (start-up ${run.secondsToReady.toFixed(1)} s, committed at start ${run.committedAtStart}), peak RSS ${run.peakRssMb ?? "?"} MB, counted ${run.counted}`
  );
}

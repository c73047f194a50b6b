/**
 * npm run bench:notifier — threshold-crossed events → signed webhooks at a local receiver.
 *
 * The notifier runs as a child process (as in production) against a fresh database and a
 * unique topic. Phase 1 publishes BENCH_EVENTS events paced at BENCH_RATE events/s and
 * measures publish → receipt latency at the receiver (p50/p99/max) and throughput; phase 2
 * publishes BENCH_BURST_EVENTS at once and measures how fast the notifier drains them. The
 * baseline, measured in the same run: a plain sequential sender POSTing the same signed
 * bodies straight to the receiver (no Kafka, no database), the floor of per-webhook cost.
 * Env: BENCH_EVENTS (10000), BENCH_RATE (500), BENCH_BURST_EVENTS (10000), plus DATABASE_URL /
 * KAFKA_BROKERS / REDIS_URL (defaults: the local stack).
 */
import { randomUUID } from "node:crypto";
import { createServer, request as httpRequest, Agent } from "node:http";
import { mkdirSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel } from "kafkajs";
import { createTestDatabase, spawnService, uniqueName } from "@honorarium/shared/testing";
import { freshThresholdCrossed, type ThresholdCrossed } from "@honorarium/shared/contracts";
import { Webhook } from "standardwebhooks";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const BURST_EVENTS = Number(process.env.BENCH_BURST_EVENTS ?? 10_000);
const SERVER_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const BROKERS = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SECRET = `whsec_${Buffer.alloc(32, 5).toString("base64")}`;
const P99_TARGET_MS = 1000;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

function crossing(organizationId: string): ThresholdCrossed {
  return freshThresholdCrossed({ organizationId, reachedAt: new Date().toISOString() });
}

/** The receiver: records the first receipt time of each eventId; acknowledges with 204. */
async function startReceiver() {
  const receivedAt = new Map<string, number>();
  const receivedWallClock = new Map<string, number>();
  let requests = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      requests += 1;
      const now = performance.now();
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { data?: { eventId?: string } };
        const eventId = body.data?.eventId;
        if (eventId !== undefined && !receivedAt.has(eventId)) {
          receivedAt.set(eventId, now);
          receivedWallClock.set(eventId, Date.now());
        }
      } catch {
        // Not ours.
      }
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    receivedAt,
    receivedWallClock,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The baseline: one sender POSTing signed bodies one after the other over keep-alive. */
async function sequentialBaseline(url: string, count: number): Promise<{ perSecond: number; p50: number; p99: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const signer = new Webhook(SECRET);
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i += 1) {
    const body = JSON.stringify({
      type: "honorarium.threshold_crossed",
      timestamp: new Date().toISOString(),
      data: crossing(randomUUID()),
    });
    const id = randomUUID();
    const timestamp = new Date();
    const headers = {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
      "webhook-signature": signer.sign(id, timestamp, body),
    };
    const sentAt = performance.now();
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        url,
        { method: "POST", agent, headers: { ...headers, "content-length": String(Buffer.byteLength(body)) } },
        (res) => {
          res.resume();
          res.once("end", () => resolve());
        },
      );
      req.once("error", reject);
      req.end(body);
    });
    latencies.push(performance.now() - sentAt);
  }
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { perSecond: count / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function main(): Promise<void> {
  const database = await createTestDatabase(SERVER_URL, { poolMax: 2 });
  const receiver = await startReceiver();
  const kafka = new Kafka({ clientId: uniqueName("bench-notifier"), brokers: BROKERS, logLevel: logLevel.ERROR });
  const topic = uniqueName("bench-threshold-crossed");
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const organizationId = randomUUID();
  await database.db("organization_webhooks").insert({ organization_id: organizationId, url: receiver.url, secret: SECRET, enabled: true });

  const child = spawnService("notifier", {
    env: {
      DATABASE_URL: database.url,
      REDIS_URL,
      KAFKA_BROKERS: BROKERS.join(","),
      LOG_LEVEL: "warn",
      NOTIFIER_HTTP_PORT: "0",
      NOTIFIER_INPUT_TOPIC: topic,
      NOTIFIER_CONSUMER_GROUP: uniqueName("bench-notifier"),
      NOTIFIER_WEBHOOK_ALLOW_HOSTS: "127.0.0.1:*",
      NOTIFIER_REDIS_KEY_PREFIX: `${uniqueName("bench-notifier")}:`,
      NOTIFIER_KAFKA_SESSION_TIMEOUT_MS: "6000",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const publishedAt = new Map<string, number>();

  async function publishAll(events: ThresholdCrossed[], perSecond: number | undefined): Promise<number> {
    const started = performance.now();
    const tickMs = 20;
    const perTick = perSecond === undefined ? 1000 : Math.max(1, Math.round((perSecond * tickMs) / 1000));
    for (let i = 0; i < events.length; i += perTick) {
      const chunk = events.slice(i, i + perTick);
      if (perSecond !== undefined) {
        // Pace against the clock, not against the previous send: a slow send does not slow the offered rate.
        const due = started + (i / perSecond) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      const now = performance.now();
      for (const event of chunk) publishedAt.set(event.eventId, now);
      await producer.send({ topic, acks: -1, messages: chunk.map((event) => ({ key: event.peerMentorId, value: JSON.stringify(event) })) });
    }
    return (performance.now() - started) / 1000;
  }

  function summarise(events: ThresholdCrossed[], firstPublish: number) {
    const latencies = events.map(
      (event) => (receiver.receivedAt.get(event.eventId) ?? Number.NaN) - (publishedAt.get(event.eventId) ?? Number.NaN),
    );
    latencies.sort((a, b) => a - b);
    const lastReceipt = Math.max(...events.map((event) => receiver.receivedAt.get(event.eventId) ?? 0));
    return {
      events: events.length,
      seconds: round((lastReceipt - firstPublish) / 1000, 2),
      perSecond: Math.round(events.length / ((lastReceipt - firstPublish) / 1000)),
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
      maxMs: round(latencies[latencies.length - 1] ?? Number.NaN),
    };
  }

  try {
    // Warm-up: the notifier is up and its group has its partitions once one event arrives.
    const warmUp = crossing(organizationId);
    await publishAll([warmUp], undefined);
    await waitFor(() => receiver.receivedAt.has(warmUp.eventId), 120_000, "the warm-up event");

    const paced = Array.from({ length: EVENTS }, () => crossing(organizationId));
    const pacedStart = performance.now();
    const publishSeconds = await publishAll(paced, RATE);
    await waitFor(() => paced.every((event) => receiver.receivedAt.has(event.eventId)), 300_000, "every paced event");
    // Where the time goes: job created (ingest committed) → receipt is the dispatch stage.
    const created: { rows: { event_id: string; created_ms: number }[] } = await database.db.raw(
      "select payload->'data'->>'eventId' as event_id, extract(epoch from created_at) * 1000 as created_ms from notification_jobs where channel = 'webhook'",
    );
    const dispatchStage = created.rows
      .map((row) => (receiver.receivedWallClock.get(row.event_id) ?? Number.NaN) - Number(row.created_ms))
      .filter((value) => Number.isFinite(value))
      .sort((a, b) => a - b);
    const pacedResult = {
      offeredPerSecond: RATE,
      publishSeconds: round(publishSeconds, 2),
      ...summarise(paced, pacedStart),
      jobCreatedToReceiptP50Ms: round(percentile(dispatchStage, 50)),
      jobCreatedToReceiptP99Ms: round(percentile(dispatchStage, 99)),
    };

    const burst = Array.from({ length: BURST_EVENTS }, () => crossing(organizationId));
    const burstStart = performance.now();
    await publishAll(burst, undefined);
    await waitFor(() => burst.every((event) => receiver.receivedAt.has(event.eventId)), 300_000, "every burst event");
    const burstResult = summarise(burst, burstStart);

    const baseline = await sequentialBaseline(receiver.url, EVENTS);
    const webhookRequests = receiver.requests() - EVENTS;
    const result = {
      paced: pacedResult,
      burst: burstResult,
      baselineSequentialSender: {
        requests: EVENTS,
        perSecond: Math.round(baseline.perSecond),
        p50Ms: round(baseline.p50, 2),
        p99Ms: round(baseline.p99, 2),
      },
      burstThroughputVsBaseline: round(burstResult.perSecond / baseline.perSecond, 2),
      duplicateWebhooks: webhookRequests - (1 + EVENTS + BURST_EVENTS),
      targets: { pacedRate: RATE, p99Ms: P99_TARGET_MS },
      met: { p99: pacedResult.p99Ms < P99_TARGET_MS, keptUp: pacedResult.perSecond >= RATE * 0.95 },
    };
    console.log(
      [
        `paced ${EVENTS} events at ${RATE}/s: delivered ${pacedResult.perSecond}/s, publish→receipt p50 ${pacedResult.p50Ms} ms, p99 ${pacedResult.p99Ms} ms, max ${pacedResult.maxMs} ms (target p99 < ${P99_TARGET_MS} ms: ${result.met.p99 ? "met" : "NOT met"})`,
        `  of which job created → receipt (dispatch stage): p50 ${pacedResult.jobCreatedToReceiptP50Ms} ms, p99 ${pacedResult.jobCreatedToReceiptP99Ms} ms`,
        `burst ${BURST_EVENTS} events at once: drained at ${burstResult.perSecond}/s in ${burstResult.seconds} s, p50 ${burstResult.p50Ms} ms, p99 ${burstResult.p99Ms} ms`,
        `baseline (sequential sender straight to the receiver): ${result.baselineSequentialSender.perSecond}/s, p50 ${result.baselineSequentialSender.p50Ms} ms, p99 ${result.baselineSequentialSender.p99Ms} ms`,
        `ratio burst throughput / baseline: ${result.burstThroughputVsBaseline}; duplicate webhooks: ${result.duplicateWebhooks}`,
      ].join("\n"),
    );
    mkdirSync(`${ROOT}bench/results`, { recursive: true });
    writeFileSync(`${ROOT}bench/results/notifier.json`, `${JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2)}\n`);
  } finally {
    await producer.disconnect();
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    await receiver.close();
    await database.drop();
    const cleanup = kafka.admin();
    await cleanup.connect();
    await cleanup.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
    await cleanup.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

/**
 * npm run bench:notifier:isolation — does a hanging organization delay another's webhooks?
 *
 * One notifier (child process, as in production) with a 3 s send timeout. Org Q's receiver
 * answers at once; org H's reads each request and never answers. Phase 1 (baseline, same run):
 * BENCH_ISOLATION_EVENTS crossings of Q alone at BENCH_ISOLATION_RATE/s. Phase 2: as many
 * crossings of Q and of H interleaved, each at that rate. Printed: Q's produce→webhook p50/p99
 * in both phases and the ratio (target: Q's p99 < 1 s next to the hanging neighbour). Not a
 * test: nothing here is asserted; the result goes to bench/results/notifier-isolation.json.
 * Env: BENCH_ISOLATION_EVENTS (150), BENCH_ISOLATION_RATE (50), DATABASE_URL / KAFKA_BROKERS /
 * REDIS_URL (defaults: the local stack).
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { mkdirSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel } from "kafkajs";
import { createTestDatabase, spawnService, uniqueName } from "@honorarium/shared/testing";
import { freshThresholdCrossed, type ThresholdCrossed } from "@honorarium/shared/contracts";

const EVENTS = Number(process.env.BENCH_ISOLATION_EVENTS ?? 150);
const RATE = Number(process.env.BENCH_ISOLATION_RATE ?? 50);
const SERVER_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const BROKERS = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SECRET = `whsec_${Buffer.alloc(32, 5).toString("base64")}`;
const P99_TARGET_MS = 1000;
const SEND_TIMEOUT_MS = 3000;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

/** answer: false makes a receiver that never answers (the hanging neighbour). */
async function startReceiver(answer: boolean) {
  const receivedAt = new Map<string, number>();
  let requests = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      requests += 1;
      const now = performance.now();
      try {
        const eventId = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { data?: { eventId?: string } }).data?.eventId;
        if (eventId !== undefined && !receivedAt.has(eventId)) receivedAt.set(eventId, now);
      } catch {
        // Not ours.
      }
      if (answer) res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    receivedAt,
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

async function main(): Promise<void> {
  const database = await createTestDatabase(SERVER_URL, { poolMax: 2 });
  const quiet = await startReceiver(true);
  const hanging = await startReceiver(false);
  const kafka = new Kafka({ clientId: uniqueName("bench-isolation"), brokers: BROKERS, logLevel: logLevel.ERROR });
  const topic = uniqueName("bench-isolation");
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const orgQ = randomUUID();
  const orgH = randomUUID();
  await database.db("organization_webhooks").insert([
    { organization_id: orgQ, url: quiet.url, secret: SECRET, enabled: true },
    { organization_id: orgH, url: hanging.url, secret: SECRET, enabled: true },
  ]);

  const child = spawnService("notifier", {
    env: {
      DATABASE_URL: database.url,
      REDIS_URL,
      KAFKA_BROKERS: BROKERS.join(","),
      LOG_LEVEL: "warn",
      NOTIFIER_HTTP_PORT: "0",
      NOTIFIER_INPUT_TOPIC: topic,
      NOTIFIER_CONSUMER_GROUP: uniqueName("bench-isolation"),
      NOTIFIER_WEBHOOK_ALLOW_HOSTS: "127.0.0.1:*",
      NOTIFIER_REDIS_KEY_PREFIX: `${uniqueName("bench-isolation")}:`,
      NOTIFIER_KAFKA_SESSION_TIMEOUT_MS: "6000",
      NOTIFIER_SEND_TIMEOUT_MS: String(SEND_TIMEOUT_MS),
      NOTIFIER_CLAIM_LEASE_MS: String(SEND_TIMEOUT_MS + 2000),
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const publishedAt = new Map<string, number>();

  async function publishPaced(events: ThresholdCrossed[], perSecond: number): Promise<void> {
    const started = performance.now();
    for (let i = 0; i < events.length; i += 1) {
      const wait = started + (i / perSecond) * 1000 - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const event = events[i] as ThresholdCrossed;
      publishedAt.set(event.eventId, performance.now());
      await producer.send({ topic, acks: -1, messages: [{ key: event.peerMentorId, value: JSON.stringify(event) }] });
    }
  }

  function latencies(events: ThresholdCrossed[]) {
    const values = events
      .map((event) => (quiet.receivedAt.get(event.eventId) ?? Number.NaN) - (publishedAt.get(event.eventId) ?? Number.NaN))
      .sort((a, b) => a - b);
    return {
      events: events.length,
      p50Ms: round(percentile(values, 50)),
      p99Ms: round(percentile(values, 99)),
      maxMs: round(values.at(-1) ?? NaN),
    };
  }

  const crossing = (organizationId: string) => freshThresholdCrossed({ organizationId, reachedAt: new Date().toISOString() });

  try {
    const warmUp = crossing(orgQ);
    await publishPaced([warmUp], RATE);
    await waitFor(() => quiet.receivedAt.has(warmUp.eventId), 120_000, "the warm-up event");

    const alone = Array.from({ length: EVENTS }, () => crossing(orgQ));
    await publishPaced(alone, RATE);
    await waitFor(() => alone.every((event) => quiet.receivedAt.has(event.eventId)), 300_000, "Q alone");
    const aloneResult = latencies(alone);

    // Interleaved: H, Q, H, Q, ... each organization at RATE/s.
    const qEvents = Array.from({ length: EVENTS }, () => crossing(orgQ));
    const mixed = qEvents.flatMap((event) => [crossing(orgH), event]);
    await publishPaced(mixed, RATE * 2);
    await waitFor(() => qEvents.every((event) => quiet.receivedAt.has(event.eventId)), 300_000, "Q next to H");
    const neighbourResult = { ...latencies(qEvents), hangingRequests: hanging.requests() };

    const result = {
      sendTimeoutMs: SEND_TIMEOUT_MS,
      ratePerOrganization: RATE,
      quietAlone: aloneResult,
      quietNextToHanging: neighbourResult,
      p99Ratio: round(neighbourResult.p99Ms / aloneResult.p99Ms, 2),
      target: { quietP99Ms: P99_TARGET_MS },
      met: neighbourResult.p99Ms < P99_TARGET_MS,
    };
    console.log(
      [
        `org Q alone, ${EVENTS} crossings at ${RATE}/s: produce→webhook p50 ${aloneResult.p50Ms} ms, p99 ${aloneResult.p99Ms} ms, max ${aloneResult.maxMs} ms`,
        `org Q next to hanging org H (${SEND_TIMEOUT_MS} ms send timeout, ${neighbourResult.hangingRequests} requests hung at H): p50 ${neighbourResult.p50Ms} ms, p99 ${neighbourResult.p99Ms} ms, max ${neighbourResult.maxMs} ms`,
        `ratio p99 next to H / alone: ${result.p99Ratio} (target: Q's p99 < ${P99_TARGET_MS} ms next to H: ${result.met ? "met" : "NOT met"})`,
      ].join("\n"),
    );
    mkdirSync(`${ROOT}bench/results`, { recursive: true });
    writeFileSync(
      `${ROOT}bench/results/notifier-isolation.json`,
      `${JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2)}\n`,
    );
  } finally {
    await producer.disconnect();
    await hanging.close();
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    await quiet.close();
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

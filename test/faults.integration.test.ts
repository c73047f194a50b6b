import type { ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { createDatabase, type Knex } from "@honorarium/shared/db";
import { eventually, freePort, spawnService, uniqueName } from "@honorarium/shared/testing";
import { createInfra, type Infra } from "../bench/e2e/infra.ts";

// Issue 13 item 3 for both consumers at once, on a Kafka, PostgreSQL and Redis of the test's own
// (own ports and directories, so stopping them never touches what other test runs use): the
// counter and the notifier keep running through a broker outage and a PostgreSQL outage, /readyz
// of each goes 503 during the outage and 200 after it, and a crossing made afterwards is counted
// and delivered. Timings are printed for the report, never asserted.

interface Service {
  name: string;
  child: ChildProcess;
  port: number;
  output: string[];
}

/** A webhook receiver on loopback that records each request's path and body. */
async function startReceiver(): Promise<{
  url: (path: string) => string;
  received: { path: string; body: string }[];
  close: () => Promise<void>;
}> {
  const received: { path: string; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({ path: req.url ?? "/", body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readyStatus(port: number): Promise<number> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(5000) });
    await response.text();
    return response.status;
  } catch {
    return 0;
  }
}

async function allReadyAre(services: readonly Service[], status: number): Promise<true | undefined> {
  const statuses = await Promise.all(services.map((service) => readyStatus(service.port)));
  return statuses.every((answer) => answer === status) ? true : undefined;
}

describe("counter and notifier through a broker outage and a PostgreSQL outage", () => {
  let runDir: string;
  let infra: Infra;
  let db: Knex;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const started: Service[] = [];

  beforeAll(async () => {
    runDir = mkdtempSync(join(tmpdir(), "faults-"));
    infra = createInfra(runDir, {
      kafka: await freePort(),
      kafkaController: await freePort(),
      postgres: await freePort(),
      redis: await freePort(),
    });
    await infra.up();
    db = createDatabase(infra.databaseUrl, { poolMax: 2, applicationName: "faults-test" });
    receiver = await startReceiver();
  });

  afterAll(async () => {
    for (const service of started) if (service.child.exitCode === null) service.child.kill("SIGKILL");
    await receiver?.close();
    await db?.destroy();
    await infra?.down();
    rmSync(runDir, { recursive: true, force: true });
  });

  function start(name: "counter" | "notifier", env: Record<string, string>, port: number): Service {
    const output: string[] = [];
    const child = spawnService(name, { env });
    child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString("utf8")));
    child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString("utf8")));
    const service = { name, child, port, output };
    started.push(service);
    return service;
  }

  it("stay up, report the outages on /readyz, and count and deliver afterwards", async () => {
    const base = uniqueName("faults");
    const topics = {
      confirmed: `${base}.assignment.confirmed.v1`,
      cancelled: `${base}.assignment.cancelled.v1`,
      crossed: `${base}.crossed.v1`,
    };
    const common = {
      DATABASE_URL: infra.databaseUrl,
      REDIS_URL: infra.redisUrl,
      KAFKA_BROKERS: infra.kafkaBrokers,
      KAFKA_CLIENT_ID: base,
      LOG_LEVEL: process.env.FAULTS_LOG_LEVEL ?? "info",
    };
    const [counterPort, notifierPort] = [await freePort(), await freePort()];
    const counter = start(
      "counter",
      {
        ...common,
        COUNTER_HTTP_PORT: String(counterPort),
        COUNTER_GROUP_ID: `${base}-counter`,
        COUNTER_TOPICS: `${topics.confirmed},${topics.cancelled}`,
        COUNTER_THRESHOLD_CROSSED_TOPIC: topics.crossed,
        COUNTER_RELAY_POLL_MS: "200",
        LIVE_UPDATES_PREFIX: `${base}:`,
      },
      counterPort,
    );
    const notifier = start(
      "notifier",
      {
        ...common,
        NOTIFIER_HTTP_PORT: String(notifierPort),
        NOTIFIER_INPUT_TOPIC: topics.crossed,
        NOTIFIER_CONSUMER_GROUP: `${base}-notifier`,
        NOTIFIER_WEBHOOK_ALLOW_HOSTS: "127.0.0.1:*",
        NOTIFIER_POLL_INTERVAL_MS: "200",
        NOTIFIER_REDIS_KEY_PREFIX: `${base}:`,
      },
      notifierPort,
    );
    const both = [counter, notifier];
    await eventually(() => allReadyAre(both, 200), 120_000, "both ready at start").catch((error: unknown) => {
      if (process.env.FAULTS_LOG_DIR !== undefined) {
        for (const service of both) writeFileSync(join(process.env.FAULTS_LOG_DIR, `${service.name}.log`), service.output.join(""));
      }
      throw new Error(`${String(error)}\n${both.map((service) => `${service.name}: ${service.output.join("").slice(-3000)}`).join("\n")}`);
    });
    console.log("faults: both ready");

    const timings: string[] = [];
    async function outage(what: string, stop: () => Promise<void>, startAgain: () => Promise<void>): Promise<void> {
      await stop();
      const stoppedAt = Date.now();
      await eventually(() => allReadyAre(both, 503), 60_000, `both 503 with ${what} down`);
      const downMs = Date.now() - stoppedAt;
      await startAgain();
      const backAt = Date.now();
      await eventually(() => allReadyAre(both, 200), 120_000, `both 200 after ${what} is back`);
      console.log(`faults: ${what} outage seen and recovered`);
      timings.push(`${what}: 503 ${downMs} ms after it stopped, 200 ${Date.now() - backAt} ms after it answered again`);
    }
    await outage(
      "Kafka",
      () => infra.stopKafka(),
      () => infra.startKafka(),
    );
    await outage(
      "PostgreSQL",
      () => infra.stopPostgres(),
      () => infra.startPostgres(),
    );

    // After both outages: one confirmation crosses a tier of 1, the notifier delivers the crossing.
    const organizationId = randomUUID();
    await db("threshold_configs").insert({
      organization_id: organizationId,
      name: "Første",
      threshold_count: 1,
      honorarium_amount: "100.00",
      currency: "NOK",
      period_type: "calendar_year",
      tier_order: 1,
      threshold_level: "custom",
      is_cumulative: false,
      is_active: true,
      effective_from: "2020-01-01T00:00:00Z",
      notification_enabled: true,
      created_by: randomUUID(),
    });
    await db("organization_webhooks").insert({
      organization_id: organizationId,
      url: receiver.url("/after-faults"),
      secret: `whsec_${Buffer.alloc(32, 9).toString("base64")}`,
      enabled: true,
    });
    const kafka = new Kafka({ clientId: `${base}-producer`, brokers: [infra.kafkaBrokers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const mentor = randomUUID();
    try {
      const event = {
        eventId: randomUUID(),
        assignmentId: randomUUID(),
        peerMentorId: mentor,
        organizationId,
        scopeId: null,
        coordinatorId: randomUUID(),
        confirmedAt: new Date().toISOString(),
      };
      await producer.send({ topic: topics.confirmed, acks: -1, messages: [{ key: mentor, value: JSON.stringify(event) }] });
    } finally {
      await producer.disconnect();
    }
    const delivered = await eventually(
      async () => receiver.received.find((request) => request.path === "/after-faults" && request.body.includes(mentor)),
      120_000,
      "the crossing made after the outages delivered",
    );
    expect(delivered.path).toBe("/after-faults");
    for (const service of both) expect(service.child.exitCode, `${service.name}: ${service.output.join("").slice(-3000)}`).toBeNull();
    console.log(`faults: ${timings.join("; ")}`);

    for (const service of both) service.child.kill("SIGTERM");
    const codes = await Promise.all(
      both.map(
        (service) =>
          new Promise<number | null>((resolve) =>
            service.child.exitCode === null ? service.child.once("exit", resolve) : resolve(service.child.exitCode),
          ),
      ),
    );
    expect(codes).toEqual([0, 0]);
  }, 600_000);
});

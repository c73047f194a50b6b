/**
 * The live path through the real services: an event on Kafka → the counter's commit → Redis →
 * the query API → an SSE client of counts.onChange. Both services run as child processes started
 * as production starts them, on their own live-update channel (LIVE_UPDATES_PREFIX, the one
 * variable both read), their own topics and group: the shared broker and Redis are untouched.
 */
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SignJWT } from "jose";
import type { Kafka, Producer } from "kafkajs";
import { type AssignmentConfirmed, type CountsChanged, TOPICS as CONTRACT_TOPICS, deadLetterTopicOf } from "@honorarium/shared/contracts";
import {
  createTestDatabase,
  createTestKafka,
  createTopics,
  eventually,
  freePort,
  spawnService,
  type TestDatabase,
  type TestServices,
  uniqueName,
} from "@honorarium/shared/testing";
import { createPortalClient } from "@honorarium/query-api";

declare module "vitest" {
  export interface ProvidedContext {
    testServices: TestServices;
  }
}

const services = inject("testServices");
const prefix = uniqueName("live-path");
const CONFIRMED = `${prefix}.${CONTRACT_TOPICS.assignmentConfirmed}`;
const CANCELLED = `${prefix}.${CONTRACT_TOPICS.assignmentCancelled}`;
const CROSSED = `${prefix}.${CONTRACT_TOPICS.thresholdCrossed}`;
const JWT_SECRET = "live-path-test-secret-0123456789abcdef";
const ORG = randomUUID();
const SCOPE = randomUUID();
const COORDINATOR = randomUUID();

async function ready(port: number, child: ChildProcess): Promise<void> {
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}`);
      const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
      return response?.ok === true ? true : undefined;
    },
    90_000,
    `readiness on port ${port}`,
  );
}

describe("live updates from the real counter to an SSE client of the real query API", () => {
  let database: TestDatabase;
  let kafka: Kafka;
  let producer: Producer;
  const children: ChildProcess[] = [];
  let apiPort = 0;

  beforeAll(async () => {
    database = await createTestDatabase(services.databaseUrl, { poolMax: 2 });
    kafka = createTestKafka(services.kafkaBrokers);
    await createTopics(kafka, [CONFIRMED, CANCELLED, CROSSED, ...[CONFIRMED, CANCELLED].map(deadLetterTopicOf)], 1);
    await database.db("organization_settings").insert({ organization_id: ORG, time_zone: "Europe/Oslo" });
    await database.db("threshold_configs").insert({
      organization_id: ORG,
      name: "Kontorhonorar",
      threshold_count: 3,
      honorarium_amount: "500.00",
      currency: "NOK",
      period_type: "calendar_year",
      tier_order: 1,
      threshold_level: "office_honorarium",
      is_cumulative: false,
      effective_from: "2020-01-01T00:00:00Z",
      notification_enabled: true,
      created_by: COORDINATOR,
    });
    const common = {
      DATABASE_URL: database.url,
      REDIS_URL: services.redisUrl,
      KAFKA_BROKERS: services.kafkaBrokers.join(","),
      LOG_LEVEL: "warn",
      LIVE_UPDATES_PREFIX: `${prefix}:`,
    };
    const counterPort = await freePort();
    apiPort = await freePort();
    const counter = spawnService("counter", {
      stdio: ["ignore", "ignore", "inherit"],
      env: {
        ...common,
        COUNTER_HTTP_PORT: String(counterPort),
        COUNTER_GROUP_ID: `${prefix}-counter`,
        COUNTER_TOPICS: `${CONFIRMED},${CANCELLED}`,
        COUNTER_THRESHOLD_CROSSED_TOPIC: CROSSED,
      },
    });
    const api = spawnService("query-api", {
      stdio: ["ignore", "ignore", "inherit"],
      env: {
        ...common,
        QUERY_API_PORT: String(apiPort),
        QUERY_API_OPS_PORT: "0",
        QUERY_API_HOST: "127.0.0.1",
        QUERY_API_REDIS_PREFIX: prefix,
        AUTH_JWT_SECRET: JWT_SECRET,
      },
    });
    children.push(counter, api);
    await Promise.all([ready(counterPort, counter), ready(apiPort, api)]);
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
          }),
      ),
    );
    await database?.drop();
  });

  it("delivers a committed count and its crossing to an open subscription, and the API reads the new count", async () => {
    const token = await new SignJWT({ org: ORG, roles: ["coordinator"], scopes: [SCOPE] })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(COORDINATOR)
      .setIssuer("honorarium-tracker-auth")
      .setAudience("honorarium-tracker-api")
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(JWT_SECRET));
    const client = createPortalClient({ url: `http://127.0.0.1:${apiPort}/trpc`, token });
    const received: CountsChanged[] = [];
    const errors: unknown[] = [];
    const subscription = client.counts.onChange.subscribe(
      {},
      { onData: (event) => received.push(event.data), onError: (error) => errors.push(error) },
    );
    const confirm = async (mentor: string, confirmedAt: string): Promise<AssignmentConfirmed> => {
      const event: AssignmentConfirmed = {
        eventId: randomUUID(),
        assignmentId: randomUUID(),
        peerMentorId: mentor,
        organizationId: ORG,
        scopeId: SCOPE,
        coordinatorId: COORDINATOR,
        confirmedAt,
      };
      await producer.send({ topic: CONFIRMED, acks: -1, messages: [{ key: mentor, value: JSON.stringify(event) }] });
      return event;
    };
    const now = Date.now();
    const monthOf = (at: number) =>
      new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Oslo", year: "numeric", month: "2-digit" }).format(new Date(at)).slice(0, 7);
    try {
      // Pub/sub keeps nothing: until the subscription is listening, a warm-up mentor's updates may pass unseen.
      const warmUp = randomUUID();
      await eventually(
        async () => {
          await confirm(warmUp, new Date(now - 20_000).toISOString());
          await new Promise((resolve) => setTimeout(resolve, 500));
          return received.some((change) => change.peerMentorId === warmUp) ? true : undefined;
        },
        60_000,
        "the first live update",
      );

      const mentor = randomUUID();
      const at = now - 10_000;
      const countsOf = async () =>
        (await client.counts.forMentor.query({ peerMentorId: mentor })).scopes.map((scope) => [
          scope.scopeId,
          scope.periods.map((period) => period.count),
        ]);
      await confirm(mentor, new Date(at).toISOString());
      await eventually(async () => (received.some((change) => change.peerMentorId === mentor) ? true : undefined), 30_000, "an update");
      // Read (and so cache) the count of 1; the next update must invalidate it.
      expect(await countsOf()).toEqual([[SCOPE, [1]]]);
      for (let i = 1; i < 3; i++) await confirm(mentor, new Date(at + i * 1000).toISOString());
      const record = await eventually(
        async () => database.db("honorarium_records").where({ organization_id: ORG, peer_mentor_id: mentor }).first(),
        60_000,
        "the crossing record",
      );
      const changes = await eventually(
        async () => {
          const mine = received.filter((change) => change.peerMentorId === mentor);
          return mine.some((change) => change.crossedRecordIds.length > 0) ? mine : undefined;
        },
        30_000,
        "the live update of the crossing",
      );
      expect(errors).toEqual([]);
      for (const change of changes) {
        expect(change).toMatchObject({ organizationId: ORG, scopeId: SCOPE, peerMentorId: mentor, monthKeys: [monthOf(at)] });
        expect(change.id).toMatch(/^\d+-\d+$/);
      }
      expect(changes.flatMap((change) => change.crossedRecordIds)).toEqual([record.id]);

      // The same messages invalidated the API's cached answer: it serves the committed count.
      expect(await countsOf()).toEqual([[SCOPE, [3]]]);
    } finally {
      subscription.unsubscribe();
    }
  });
});

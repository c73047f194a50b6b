import { randomUUID } from "node:crypto";
import type { Kafka, Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEAD_LETTER_HEADERS } from "@honorarium/shared/contracts";
import { createTestDatabase, eventually, type TestDatabase } from "@honorarium/shared/testing";
import type { CounterService } from "../src/counter-service.ts";
import {
  type CounterTopics,
  cancelled,
  confirmed,
  connectProducer,
  insertTier,
  counterEnv,
  createCounterTopics,
  createKafkaFor,
  eventTimestamp,
  monthCount,
  startInProcessCounter,
  uniqueCounterTopics,
  waitCaughtUp,
  waitOutboxEmpty,
} from "./support.ts";

interface DeadLetterSeen {
  topic: string;
  value: Buffer | null;
  key: string | undefined;
  headers: Record<string, string>;
}

describe("counter: poison messages go to the dead-letter topic and the partition keeps moving", () => {
  const services = inject("testServices");
  let database: TestDatabase;
  let kafka: Kafka;
  let producer: Producer;
  let topics: CounterTopics;
  let counter: CounterService;
  let reader: ReturnType<Kafka["consumer"]>;
  const seen: DeadLetterSeen[] = [];
  const MAX_BYTES = 2048;

  beforeAll(async () => {
    database = await createTestDatabase(services.databaseUrl);
    kafka = createKafkaFor(services);
    topics = uniqueCounterTopics("poison");
    await createCounterTopics(kafka, topics, 1);
    producer = await connectProducer(kafka);
    reader = kafka.consumer({ groupId: `${topics.group}-dlq-reader` });
    await reader.connect();
    await reader.subscribe({ topics: [`${topics.confirmed}.dlq`, `${topics.cancelled}.dlq`], fromBeginning: true });
    await reader.run({
      eachMessage: async ({ topic, message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value);
        seen.push({ topic, value: message.value, key: message.key?.toString(), headers });
      },
    });
    // Redis is deliberately unreachable: live updates are best effort and never block counting.
    const env = counterEnv(services, database.url, topics, {
      COUNTER_MAX_MESSAGE_BYTES: String(MAX_BYTES),
      REDIS_URL: "redis://127.0.0.1:1",
    });
    ({ service: counter } = startInProcessCounter(env));
    await counter.start();
  });

  afterAll(async () => {
    await counter?.stop();
    await reader?.disconnect();
    await producer?.disconnect();
    await database?.drop();
  });

  it("dead-letters not-JSON, missing-field, wrong-type and oversized messages with their reasons; good ones around them count", async () => {
    const ids = { org: randomUUID(), scope: randomUUID(), mentor: randomUUID(), coordinator: randomUUID() };
    const good = [confirmed(ids, "2026-03-01T10:00:00Z"), confirmed(ids, "2026-03-02T10:00:00Z"), confirmed(ids, "2026-03-03T10:00:00Z")];
    const { peerMentorId: _omitted, ...missingField } = confirmed(ids, "2026-03-04T10:00:00Z");
    const wrongTypes = { ...confirmed(ids, "2026-03-05T10:00:00Z"), scopeId: 42, confirmedAt: "yesterday" };
    const oversized = { ...confirmed(ids, "2026-03-06T10:00:00Z"), padding: "x".repeat(MAX_BYTES) };
    const bad: { value: string; code: string; reason: RegExp }[] = [
      { value: "{not json", code: "not_json", reason: /not valid JSON/ },
      { value: JSON.stringify(missingField), code: "schema", reason: /peerMentorId/ },
      { value: JSON.stringify(wrongTypes), code: "schema", reason: /scopeId.*confirmedAt|confirmedAt.*scopeId/ },
      { value: JSON.stringify(oversized), code: "too_large", reason: /larger than the limit of 2048/ },
    ];
    await producer.send({
      topic: topics.confirmed,
      acks: -1,
      messages: [
        { key: ids.mentor, value: JSON.stringify(good[0]), timestamp: eventTimestamp(good[0]) },
        ...bad.map((b) => ({ key: ids.mentor, value: b.value, headers: { "x-origin": "poison-test" } })),
        { key: ids.mentor, value: JSON.stringify(good[1]), timestamp: eventTimestamp(good[1]) },
      ],
    });
    const badCancel = JSON.stringify({ eventId: randomUUID(), assignmentId: "not-a-uuid" });
    await producer.send({ topic: topics.cancelled, acks: -1, messages: [{ key: ids.mentor, value: badCancel }] });
    await producer.send({
      topic: topics.confirmed,
      acks: -1,
      messages: [{ key: ids.mentor, value: JSON.stringify(good[2]), timestamp: eventTimestamp(good[2]) }],
    });

    await waitCaughtUp(kafka, database.db, topics.group, [topics.confirmed, topics.cancelled]);
    expect(await monthCount(database.db, ids, "2026-03")).toBe(3);
    await waitOutboxEmpty(database.db);
    const letters = await eventually(async () => (seen.length >= bad.length + 1 ? seen : undefined), 30_000, "dead letters");
    // Give a stray duplicate every chance to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(seen).toHaveLength(bad.length + 1);

    const confirmedLetters = letters.filter((l) => l.topic === `${topics.confirmed}.dlq`);
    expect(confirmedLetters).toHaveLength(bad.length);
    for (const expected of bad) {
      const letter = confirmedLetters.find((l) => l.value?.toString() === expected.value);
      expect(letter, expected.code).toBeDefined();
      expect(letter?.headers[DEAD_LETTER_HEADERS.errorCode]).toBe(expected.code);
      expect(letter?.headers[DEAD_LETTER_HEADERS.reason]).toMatch(expected.reason);
      expect(letter?.headers[DEAD_LETTER_HEADERS.sourceTopic]).toBe(topics.confirmed);
      expect(letter?.headers[DEAD_LETTER_HEADERS.sourcePartition]).toBe("0");
      expect(letter?.headers[DEAD_LETTER_HEADERS.sourceOffset]).toMatch(/^[1-4]$/);
      expect(letter?.headers["x-origin"]).toBe("poison-test");
      expect(letter?.key).toBe(ids.mentor);
    }
    const cancelLetter = letters.find((l) => l.topic === `${topics.cancelled}.dlq`);
    expect(cancelLetter?.value?.toString()).toBe(badCancel);
    expect(cancelLetter?.headers[DEAD_LETTER_HEADERS.reason]).toMatch(/assignmentId.*peerMentorId|peerMentorId/);
  });

  it("dead-letters an event the database refuses (valid by schema) and keeps applying the batch around it", async () => {
    const org = randomUUID();
    // In Los Angeles 2000-01-01T05:00Z is still 1999: a crossing there has a fiscal year the schema refuses.
    await database.db("organization_settings").insert({ organization_id: org, time_zone: "America/Los_Angeles" });
    await insertTier(database.db, {
      organizationId: org,
      name: "Første",
      thresholdCount: 1,
      amount: "100.00",
      tierOrder: 1,
      effectiveFrom: "1990-01-01T00:00:00Z",
    });
    const ids = { org, scope: null, mentor: randomUUID(), coordinator: randomUUID() };
    const other = { ...ids, mentor: randomUUID() };
    const refused = confirmed(ids, "2000-01-01T05:00:00Z");
    const seenBefore = seen.length;
    await producer.send({
      topic: topics.confirmed,
      acks: -1,
      messages: [confirmed(other, "2026-03-01T10:00:00Z"), refused, confirmed(other, "2026-03-02T10:00:00Z")].map((event) => ({
        key: event.peerMentorId,
        value: JSON.stringify(event),
        timestamp: eventTimestamp(event),
        headers: { "x-request-id": `req-${event.eventId}` },
      })),
    });
    await waitCaughtUp(kafka, database.db, topics.group, [topics.confirmed, topics.cancelled]);
    expect(await monthCount(database.db, other, "2026-03")).toBe(2);
    expect(await monthCount(database.db, ids, "1999-12")).toBe(0);
    await waitOutboxEmpty(database.db);
    const letter = await eventually(async () => seen.slice(seenBefore).find((l) => l.value?.toString() === JSON.stringify(refused)));
    expect(letter.headers[DEAD_LETTER_HEADERS.errorCode]).toBe("rejected");
    expect(letter.headers[DEAD_LETTER_HEADERS.reason]).toMatch(/refused.*fiscal_year_valid_range/);
    // README: the dead letter keeps the original headers, on the refused-by-Postgres path too.
    expect(letter.headers["x-request-id"]).toBe(`req-${refused.eventId}`);
  });

  // Broker timestamps are set on the messages (never today's date): the time window is relative to them.
  const BROKER_TIME = String(Date.parse("2026-03-10T12:00:00Z"));

  it("a cancellation whose reason holds a NUL applies (the NUL stored as U+FFFD) and takes its assignment back", async () => {
    const ids = { org: randomUUID(), scope: null, mentor: randomUUID(), coordinator: randomUUID() };
    const confirmation = confirmed(ids, "2026-03-01T10:00:00Z");
    const cancellation = { ...cancelled(ids, confirmation.assignmentId, "2026-03-02T10:00:00Z"), reason: "sick\u0000 \ud800" };
    const seenBefore = seen.length;
    await producer.send({
      topic: topics.confirmed,
      acks: -1,
      messages: [{ key: ids.mentor, value: JSON.stringify(confirmation), timestamp: BROKER_TIME }],
    });
    await waitCaughtUp(kafka, database.db, topics.group, [topics.confirmed, topics.cancelled]);
    expect(await monthCount(database.db, ids, "2026-03")).toBe(1);
    await producer.send({
      topic: topics.cancelled,
      acks: -1,
      // JSON.stringify writes the NUL and the lone surrogate as \u escapes, as an upstream producer would.
      messages: [{ key: ids.mentor, value: JSON.stringify(cancellation), timestamp: BROKER_TIME }],
    });
    await waitCaughtUp(kafka, database.db, topics.group, [topics.confirmed, topics.cancelled]);
    expect(await monthCount(database.db, ids, "2026-03")).toBe(0);
    const row: { state: string; cancel_reason: string | null } = await database
      .db("assignment_ledger")
      .where({ assignment_id: confirmation.assignmentId })
      .first("state", "cancel_reason");
    expect(row).toEqual({ state: "cancelled", cancel_reason: "sick\uFFFD \uFFFD" });
    await waitOutboxEmpty(database.db);
    expect(seen.slice(seenBefore).filter((letter) => letter.headers[DEAD_LETTER_HEADERS.sourceTopic] === topics.cancelled)).toEqual([]);
  });

  it("times outside the supported window go to the DLQ on confirmations and cancellations; a year-9999 cancellation leaves no tombstone", async () => {
    const ids = { org: randomUUID(), scope: null, mentor: randomUUID(), coordinator: randomUUID() };
    const assignmentId = randomUUID();
    const farCancel = cancelled(ids, assignmentId, "9999-01-01T00:00:00Z");
    const early = confirmed(ids, "1999-12-31T12:00:00Z");
    const ahead = confirmed(ids, "2026-03-17T12:00:01Z");
    const seenBefore = seen.length;
    await producer.send({
      topic: topics.cancelled,
      acks: -1,
      messages: [{ key: ids.mentor, value: JSON.stringify(farCancel), timestamp: BROKER_TIME }],
    });
    await waitCaughtUp(kafka, database.db, topics.group, [topics.confirmed, topics.cancelled]);
    await producer.send({
      topic: topics.confirmed,
      acks: -1,
      messages: [early, ahead, confirmed(ids, "2026-03-05T10:00:00Z", assignmentId)].map((event) => ({
        key: ids.mentor,
        value: JSON.stringify(event),
        timestamp: BROKER_TIME,
      })),
    });
    await waitCaughtUp(kafka, database.db, topics.group, [topics.confirmed, topics.cancelled]);
    // The confirmation after the refused cancellation counts: no tombstone suppressed it.
    expect(await monthCount(database.db, ids, "2026-03")).toBe(1);
    expect(await monthCount(database.db, ids, "1999-12")).toBe(0);
    await waitOutboxEmpty(database.db);
    const letters = await eventually(async () => {
      const mine = seen
        .slice(seenBefore)
        .filter((letter) => [farCancel, early, ahead].some((event) => letter.value?.toString() === JSON.stringify(event)));
      return mine.length === 3 ? mine : undefined;
    });
    const reasonOf = (event: object) =>
      letters.find((letter) => letter.value?.toString() === JSON.stringify(event))?.headers[DEAD_LETTER_HEADERS.reason];
    expect(reasonOf(farCancel)).toMatch(/cancelledAt: 9999-01-01T00:00:00Z is outside the supported window/);
    expect(reasonOf(early)).toMatch(/confirmedAt: 1999-12-31T12:00:00Z is outside the supported window/);
    expect(reasonOf(ahead)).toMatch(/more than 7 days after the message's broker timestamp 2026-03-10T12:00:00.000Z/);
    for (const letter of letters) expect(letter.headers[DEAD_LETTER_HEADERS.errorCode]).toBe("schema");
  });
});

import { randomUUID } from "node:crypto";
import type { Kafka, Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEAD_LETTER_HEADERS } from "@honorarium/shared/contracts";
import { createTestDatabase, eventually, type TestDatabase } from "@honorarium/shared/testing";
import { ORIGINAL_KEY_HEADER } from "../src/adapters/postgres/outbox.ts";
import type { CounterService } from "../src/counter-service.ts";
import {
  type CounterTopics,
  confirmed,
  connectProducer,
  counterEnv,
  createCounterTopics,
  createKafkaFor,
  insertTier,
  monthCount,
  startInProcessCounter,
  uniqueCounterTopics,
  waitCaughtUp,
  waitOutboxEmpty,
  eventTimestamp,
} from "./support.ts";

interface DeadLetterSeen {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

// Kafka carries bytes Postgres refuses in text and jsonb (NUL, invalid UTF-8): such a message must
// still reach the dead-letter topic, with its original key and payload, and never stop its partition.
describe("counter: dead letters with bytes Postgres text refuses", () => {
  const services = inject("testServices");
  let database: TestDatabase;
  let kafka: Kafka;
  let producer: Producer;
  let topics: CounterTopics;
  let counter: CounterService;
  let reader: ReturnType<Kafka["consumer"]>;
  const seen: DeadLetterSeen[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(services.databaseUrl);
    kafka = createKafkaFor(services);
    topics = uniqueCounterTopics("nul-bytes");
    await createCounterTopics(kafka, topics, 1);
    producer = await connectProducer(kafka);
    reader = kafka.consumer({ groupId: `${topics.group}-dlq-reader` });
    await reader.connect();
    await reader.subscribe({ topics: [`${topics.confirmed}.dlq`], fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value);
        seen.push({ key: message.key, value: message.value, headers });
      },
    });
    const env = counterEnv(services, database.url, topics, { REDIS_URL: "redis://127.0.0.1:1" });
    ({ service: counter } = startInProcessCounter(env));
    await counter.start();
  });

  afterAll(async () => {
    await counter?.stop();
    await reader?.disconnect();
    await producer?.disconnect();
    await database?.drop();
  });

  it("dead-letters a NUL in key and headers, a payload starting with NUL and a refused event; the partition keeps counting", async () => {
    const ids = { org: randomUUID(), scope: null, mentor: randomUUID(), coordinator: randomUUID() };
    // In Los Angeles 2000-01-01T05:00Z is still 1999: the database refuses that crossing's fiscal year.
    const refusingOrg = randomUUID();
    await database.db("organization_settings").insert({ organization_id: refusingOrg, time_zone: "America/Los_Angeles" });
    await insertTier(database.db, {
      organizationId: refusingOrg,
      name: "Første",
      thresholdCount: 1,
      amount: "100.00",
      tierOrder: 1,
      effectiveFrom: "1990-01-01T00:00:00Z",
    });
    const refused = confirmed({ ...ids, org: refusingOrg }, "2000-01-01T05:00:00Z");

    const binaryKey = Buffer.from([0x6d, 0x00, 0xff, 0x41]);
    const nulFirst = Buffer.concat([Buffer.from([0x00]), Buffer.from(JSON.stringify(confirmed(ids, "2026-03-09T10:00:00Z")))]);
    const good = (day: number) => {
      const event = confirmed(ids, `2026-03-0${day}T10:00:00Z`);
      return { key: ids.mentor, value: JSON.stringify(event), timestamp: eventTimestamp(event) };
    };
    await producer.send({
      topic: topics.confirmed,
      acks: -1,
      messages: [
        good(1),
        { key: binaryKey, value: "{not json", headers: { "x-trace": Buffer.from("a\u0000b"), "x-\u0000name": "v" } },
        { key: ids.mentor, value: nulFirst },
        good(2),
        { key: binaryKey, value: JSON.stringify(refused), headers: { "x-trace": Buffer.from("r\u0000") } },
        good(3),
      ],
    });

    await waitCaughtUp(kafka, database.db, topics.group, [topics.confirmed], 30_000);
    expect(await monthCount(database.db, ids, "2026-03")).toBe(3);
    await waitOutboxEmpty(database.db, 30_000);
    await eventually(async () => (seen.length >= 3 ? true : undefined), 30_000, "three dead letters");
    const byOffset = (offset: string) => seen.find((letter) => letter.headers[DEAD_LETTER_HEADERS.sourceOffset] === offset);

    const binary = byOffset("1");
    expect(binary?.key).toEqual(binaryKey);
    expect(binary?.value?.toString()).toBe("{not json");
    expect(binary?.headers[DEAD_LETTER_HEADERS.errorCode]).toBe("not_json");
    expect(binary?.headers["x-trace"]).toBe("a\\u0000b");
    expect(binary?.headers["x-\\u0000name"]).toBe("v");
    expect(binary?.headers[ORIGINAL_KEY_HEADER]).toBe(binaryKey.toString("base64"));

    const leadingNul = byOffset("2");
    expect(leadingNul?.key?.toString()).toBe(ids.mentor);
    expect(leadingNul?.value).toEqual(nulFirst);
    expect(leadingNul?.headers[DEAD_LETTER_HEADERS.errorCode]).toBe("not_json");
    expect(leadingNul?.headers[DEAD_LETTER_HEADERS.reason]).toMatch(/not valid JSON/);
    expect(leadingNul?.headers[DEAD_LETTER_HEADERS.reason]).not.toContain("\u0000");
    expect(leadingNul?.headers[ORIGINAL_KEY_HEADER]).toBeUndefined();

    const refusedLetter = byOffset("4");
    expect(refusedLetter?.key).toEqual(binaryKey);
    expect(refusedLetter?.value?.toString()).toBe(JSON.stringify(refused));
    expect(refusedLetter?.headers[DEAD_LETTER_HEADERS.errorCode]).toBe("rejected");
    expect(refusedLetter?.headers[DEAD_LETTER_HEADERS.reason]).toMatch(/fiscal_year_valid_range/);
    // The refusal path keeps the original headers too (made storable, as on every other path).
    expect(refusedLetter?.headers["x-trace"]).toBe("r\\u0000");
  });
});

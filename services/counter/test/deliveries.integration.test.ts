import { randomUUID } from "node:crypto";
import type { Kafka, Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type AssignmentDelivery, DEAD_LETTER_HEADERS } from "@honorarium/shared/contracts";
import { createTestDatabase, createTopics, eventually, type TestDatabase } from "@honorarium/shared/testing";
import type { CounterService } from "../src/counter-service.ts";
import {
  type CounterTopics,
  confirmed,
  connectProducer,
  counterEnv,
  createCounterTopics,
  createKafkaFor,
  produceJson,
  startInProcessCounter,
  uniqueCounterTopics,
  waitCaughtUp,
  waitOutboxEmpty,
  eventTimestamp,
} from "./support.ts";

type Status = AssignmentDelivery["status"];

interface DeliveryRow {
  id: string;
  assignment_id: string;
  peer_mentor_id: string;
  organization_id: string;
  delivery_status: string;
  delivered_at: Date | null;
  opened_at: Date | null;
  read_confirmed_at: Date | null;
  accounting_period: string;
  delivery_sequence_number: number;
  honorarium_tier: string;
  expires_at: Date | null;
  reminder_count: number;
  updated_at: Date;
}

interface DeadLetterSeen {
  value: string;
  headers: Record<string, string>;
}

const PARTITIONS = 3;

describe("counter: assignment.delivery.v1 into assignment_deliveries (spec 004)", () => {
  const services = inject("testServices");
  let database: TestDatabase;
  let kafka: Kafka;
  let producer: Producer;
  let topics: CounterTopics;
  let deliveryTopic: string;
  let counter: CounterService;
  let reader: ReturnType<Kafka["consumer"]>;
  /** Every event produced to the delivery topic, for the replay test. */
  const produced: { partition: number | undefined; event: AssignmentDelivery }[] = [];
  const deadLetters: DeadLetterSeen[] = [];

  const startCounter = async () => {
    const env = counterEnv(services, database.url, topics, {
      COUNTER_TOPICS: `${topics.confirmed},${topics.cancelled},${deliveryTopic}`,
      COUNTER_LIVE_UPDATES: "false",
    });
    ({ service: counter } = startInProcessCounter(env));
    await counter.start();
  };

  beforeAll(async () => {
    database = await createTestDatabase(services.databaseUrl);
    kafka = createKafkaFor(services);
    topics = uniqueCounterTopics("deliveries");
    deliveryTopic = topics.confirmed.replace("assignment.confirmed.v1", "assignment.delivery.v1");
    await createCounterTopics(kafka, topics, 1);
    await createTopics(kafka, [deliveryTopic], PARTITIONS);
    await createTopics(kafka, [`${deliveryTopic}.dlq`], 1);
    producer = await connectProducer(kafka);
    reader = kafka.consumer({ groupId: `${topics.group}-dlq-reader` });
    await reader.connect();
    await reader.subscribe({ topics: [`${deliveryTopic}.dlq`], fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value);
        deadLetters.push({ value: message.value?.toString() ?? "", headers });
      },
    });
    await startCounter();
  });

  afterAll(async () => {
    await counter?.stop();
    await reader?.disconnect();
    await producer?.disconnect();
    await database?.drop();
  });

  interface Parties {
    org: string;
    mentor: string;
    coordinator: string;
  }
  const parties = (): Parties => ({ org: randomUUID(), mentor: randomUUID(), coordinator: randomUUID() });

  function delivery(
    p: Parties,
    assignmentId: string,
    status: Status,
    at: string,
    extra: Partial<AssignmentDelivery> = {},
  ): AssignmentDelivery {
    return {
      eventId: randomUUID(),
      assignmentId,
      peerMentorId: p.mentor,
      organizationId: p.org,
      coordinatorId: p.coordinator,
      status,
      at,
      readReceiptRequired: true,
      deliveryMethod: "push",
      ...extra,
    };
  }

  /** Keyed by mentor (one mentor's events stay in order) unless a partition is named. */
  async function produce(events: readonly AssignmentDelivery[], partitionOf?: (index: number) => number): Promise<void> {
    await producer.send({
      topic: deliveryTopic,
      acks: -1,
      messages: events.map((event, index) => ({
        key: event.peerMentorId,
        value: JSON.stringify(event),
        timestamp: eventTimestamp(event),
        ...(partitionOf === undefined ? {} : { partition: partitionOf(index) }),
      })),
    });
    for (const [index, event] of events.entries()) produced.push({ partition: partitionOf?.(index), event });
  }

  const caughtUp = () => waitCaughtUp(kafka, database.db, topics.group, [deliveryTopic, topics.confirmed]);
  const rowOf = async (assignmentId: string, mentor: string): Promise<DeliveryRow | undefined> =>
    database.db("assignment_deliveries").where({ assignment_id: assignmentId, peer_mentor_id: mentor }).first();
  const rowsOfMentor = async (mentor: string): Promise<DeliveryRow[]> =>
    database.db("assignment_deliveries").where({ peer_mentor_id: mentor }).orderBy("delivery_sequence_number");

  // The moves that bring a record to each state: "pending" is a record before its first event.
  const REACH: Record<"pending" | Status, Status[]> = {
    pending: [],
    delivered: ["delivered"],
    opened: ["delivered", "opened"],
    read_confirmed: ["delivered", "opened", "read_confirmed"],
    expired: ["delivered", "expired"],
  };
  // Where each (state, event) pair ends. Legal steps move on; a skip forward is applied with the
  // implied steps filled (early-event policy); same, backward and after a terminal state: unchanged.
  const EXPECTED: Record<"pending" | Status, Record<Status, Status>> = {
    pending: { delivered: "delivered", opened: "opened", read_confirmed: "read_confirmed", expired: "expired" },
    delivered: { delivered: "delivered", opened: "opened", read_confirmed: "read_confirmed", expired: "expired" },
    opened: { delivered: "opened", opened: "opened", read_confirmed: "read_confirmed", expired: "expired" },
    read_confirmed: { delivered: "read_confirmed", opened: "read_confirmed", read_confirmed: "read_confirmed", expired: "read_confirmed" },
    expired: { delivered: "expired", opened: "expired", read_confirmed: "expired", expired: "expired" },
  };

  it("applies every (state, event) pair as the lifecycle says: legal moves, skips filled, illegal ones ignored", async () => {
    const p = parties();
    const cases: { from: keyof typeof REACH; to: Status; assignmentId: string; setupAt: string[] }[] = [];
    const events: AssignmentDelivery[] = [];
    for (const from of Object.keys(REACH) as (keyof typeof REACH)[]) {
      for (const to of ["delivered", "opened", "read_confirmed", "expired"] as const) {
        const assignmentId = randomUUID();
        const setupAt = REACH[from].map((_, step) => `2026-03-01T10:0${step}:00Z`);
        REACH[from].forEach((status, step) => events.push(delivery(p, assignmentId, status, setupAt[step] as string)));
        events.push(delivery(p, assignmentId, to, "2026-03-01T10:30:00Z"));
        cases.push({ from, to, assignmentId, setupAt });
      }
    }
    await produce(events);
    await caughtUp();

    for (const { from, to, assignmentId, setupAt } of cases) {
      const row = await rowOf(assignmentId, p.mentor);
      const pair = `${from} + ${to}`;
      expect(row?.delivery_status, pair).toBe(EXPECTED[from][to]);
      const moved = EXPECTED[from][to] !== from && from !== "pending";
      // The timestamps a record already had never change; the ones a move sets take the event's time.
      if (setupAt[0] !== undefined) expect(row?.delivered_at?.toISOString(), pair).toBe(new Date(setupAt[0]).toISOString());
      if (moved && to !== "expired") {
        const column = to === "opened" ? "opened_at" : "read_confirmed_at";
        expect(row?.[column]?.toISOString(), pair).toBe("2026-03-01T10:30:00.000Z");
      }
    }
    // pending + read_confirmed: every implied step filled from the one event's time.
    const skipped = await rowOf(cases.find((c) => c.from === "pending" && c.to === "read_confirmed")?.assignmentId ?? "", p.mentor);
    expect([skipped?.delivered_at, skipped?.opened_at, skipped?.read_confirmed_at].map((d) => d?.toISOString())).toEqual([
      "2026-03-01T10:30:00.000Z",
      "2026-03-01T10:30:00.000Z",
      "2026-03-01T10:30:00.000Z",
    ]);
    // One record per (assignment, mentor), numbered 1..n in the mentor's period.
    const rows = await rowsOfMentor(p.mentor);
    expect(rows).toHaveLength(cases.length);
    expect(rows.map((r) => r.delivery_sequence_number)).toEqual(cases.map((_, i) => i + 1));
    expect(rows.filter((r) => r.honorarium_tier === "tier_1").map((r) => r.delivery_sequence_number)).toEqual([3]);
    expect(rows.filter((r) => r.honorarium_tier === "tier_2").map((r) => r.delivery_sequence_number)).toEqual([15]);
  });

  it("out of order: opened before delivered, read_confirmed first; late predecessors never move a record back", async () => {
    const p = parties();
    const openedFirst = randomUUID();
    const confirmedFirst = randomUUID();
    await produce([
      delivery(p, openedFirst, "opened", "2026-04-01T10:05:00Z"),
      delivery(p, confirmedFirst, "read_confirmed", "2026-04-01T11:00:00Z"),
      delivery(p, openedFirst, "delivered", "2026-04-01T10:00:00Z"),
      delivery(p, confirmedFirst, "opened", "2026-04-01T10:50:00Z"),
      delivery(p, confirmedFirst, "delivered", "2026-04-01T10:40:00Z"),
      delivery(p, openedFirst, "read_confirmed", "2026-04-01T10:20:00Z"),
    ]);
    await caughtUp();
    const a = await rowOf(openedFirst, p.mentor);
    expect([a?.delivery_status, a?.delivered_at?.toISOString(), a?.opened_at?.toISOString(), a?.read_confirmed_at?.toISOString()]).toEqual([
      "read_confirmed",
      "2026-04-01T10:05:00.000Z",
      "2026-04-01T10:05:00.000Z",
      "2026-04-01T10:20:00.000Z",
    ]);
    const b = await rowOf(confirmedFirst, p.mentor);
    expect([b?.delivery_status, b?.delivered_at?.toISOString(), b?.opened_at?.toISOString(), b?.read_confirmed_at?.toISOString()]).toEqual([
      "read_confirmed",
      "2026-04-01T11:00:00.000Z",
      "2026-04-01T11:00:00.000Z",
      "2026-04-01T11:00:00.000Z",
    ]);
  });

  it("the database refuses any change to a read-confirmed record but updated_at (trigger), and its deletion", async () => {
    const p = parties();
    const assignmentId = randomUUID();
    await produce([delivery(p, assignmentId, "read_confirmed", "2026-04-02T10:00:00Z")]);
    await caughtUp();
    const where = { assignment_id: assignmentId, peer_mentor_id: p.mentor };
    await expect(database.db("assignment_deliveries").where(where).update({ reminder_count: 1 })).rejects.toThrow(/append-only/);
    await expect(database.db("assignment_deliveries").where(where).update({ delivery_status: "expired" })).rejects.toThrow(/append-only/);
    await expect(
      database.db.raw("update assignment_deliveries set expires_at = now() where assignment_id = ? and peer_mentor_id = ?", [
        assignmentId,
        p.mentor,
      ]),
    ).rejects.toThrow(/append-only/);
    await expect(database.db("assignment_deliveries").where(where).delete()).rejects.toThrow(/may not be deleted/);
    // updated_at alone may change (the set_updated_at trigger sets it on every update).
    await expect(database.db("assignment_deliveries").where(where).update({ updated_at: new Date() })).resolves.toBe(1);
    expect((await rowOf(assignmentId, p.mentor))?.reminder_count).toBe(0);
  });

  it("numbers one mentor's deliveries exactly when they arrive concurrently on every partition", async () => {
    const p = parties();
    const count = 45;
    const events = Array.from({ length: count }, (_, i) =>
      delivery(p, randomUUID(), "delivered", new Date(Date.UTC(2026, 7, 1, 8, i)).toISOString()),
    );
    await produce(events, (index) => index % PARTITIONS);
    await caughtUp();
    const rows = await rowsOfMentor(p.mentor);
    expect(rows.map((r) => r.delivery_sequence_number)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(new Set(rows.map((r) => r.accounting_period))).toEqual(new Set(["2026-H2"]));
    expect(rows.filter((r) => r.honorarium_tier !== "none").map((r) => [r.delivery_sequence_number, r.honorarium_tier])).toEqual([
      [3, "tier_1"],
      [15, "tier_2"],
    ]);
  });

  it("puts the half-year boundary at local midnight in Europe/Oslo and restarts the numbering there", async () => {
    const p = parties();
    await database.db("organization_settings").insert({ organization_id: p.org, time_zone: "Europe/Oslo" });
    const lastOfH1 = randomUUID();
    const firstOfH2 = randomUUID();
    await produce([
      delivery(p, randomUUID(), "delivered", "2026-06-30T10:00:00Z"),
      delivery(p, lastOfH1, "delivered", "2026-06-30T21:59:59Z"),
      delivery(p, firstOfH2, "delivered", "2026-06-30T22:00:00Z"),
      // An event moving the H1 record on in H2 keeps its period.
      delivery(p, lastOfH1, "opened", "2026-07-01T08:00:00Z"),
    ]);
    await caughtUp();
    const h1 = await rowOf(lastOfH1, p.mentor);
    const h2 = await rowOf(firstOfH2, p.mentor);
    expect([h1?.accounting_period, h1?.delivery_sequence_number, h1?.delivery_status]).toEqual(["2026-H1", 2, "opened"]);
    expect([h2?.accounting_period, h2?.delivery_sequence_number]).toEqual(["2026-H2", 1]);
  });

  it("dead-letters cross-organization dispatch with the reason (event's coordinatorOrganizationId, or the ledger's coordinator)", async () => {
    const p = parties();
    const otherOrg = randomUUID();
    // The ledger knows this coordinator in another organization (they confirmed an assignment there).
    const foreignCoordinator = randomUUID();
    await produceJson(producer, topics.confirmed, [
      confirmed({ org: otherOrg, scope: null, mentor: randomUUID(), coordinator: foreignCoordinator }, "2026-03-01T10:00:00Z"),
    ]);
    await caughtUp();
    const byFlag = delivery(p, randomUUID(), "delivered", "2026-05-01T10:00:00Z", { coordinatorOrganizationId: otherOrg });
    const byLedger = delivery(p, randomUUID(), "delivered", "2026-05-01T10:01:00Z", { coordinatorId: foreignCoordinator });
    const accepted = delivery(p, randomUUID(), "delivered", "2026-05-01T10:02:00Z", { coordinatorOrganizationId: p.org });
    await produce([byFlag, byLedger, accepted]);
    await caughtUp();
    expect((await rowsOfMentor(p.mentor)).map((r) => [r.assignment_id, r.delivery_sequence_number])).toEqual([[accepted.assignmentId, 1]]);

    await waitOutboxEmpty(database.db);
    const letters = await eventually(async () => {
      const found = [byFlag, byLedger].map((e) => deadLetters.find((l) => l.value === JSON.stringify(e)));
      return found.every((l) => l !== undefined) ? (found as DeadLetterSeen[]) : undefined;
    }, 30_000);
    for (const letter of letters) {
      expect(letter.headers[DEAD_LETTER_HEADERS.errorCode]).toBe("rejected");
      expect(letter.headers[DEAD_LETTER_HEADERS.reason]).toMatch(/cross-organization dispatch is prohibited/);
      expect(letter.headers[DEAD_LETTER_HEADERS.sourceTopic]).toBe(deliveryTopic);
    }
    expect(letters[0]?.headers[DEAD_LETTER_HEADERS.reason]).toContain(otherOrg);
    expect(letters[1]?.headers[DEAD_LETTER_HEADERS.reason]).toMatch(/known only/);
  });

  it("duplicates and a full replay from offset 0 change nothing", async () => {
    const snapshot = async () => {
      const rows: DeliveryRow[] = await database.db("assignment_deliveries").orderBy("id");
      const [letters] = await database.db("outbox").where({ kind: "dead_letter" }).count<{ n: number }[]>({ n: "*" });
      return { rows, letters: Number(letters?.n) };
    };
    const before = await snapshot();
    expect(before.rows.length).toBeGreaterThan(50);

    // Redelivered copies (same eventIds) of everything, on the partitions they first went to.
    const copies = [...produced];
    await producer.send({
      topic: deliveryTopic,
      acks: -1,
      messages: copies.map(({ partition, event }) => ({
        key: event.peerMentorId,
        value: JSON.stringify(event),
        timestamp: eventTimestamp(event),
        ...(partition === undefined ? {} : { partition }),
      })),
    });
    await caughtUp();
    expect(await snapshot()).toEqual({ ...before, letters: before.letters + 2 });

    // Replay (as counter:replay does): Postgres' and Kafka's positions go back to 0; everything is applied again.
    await counter.stop();
    await database.db("consumer_offsets").where({ consumer_group: topics.group, topic: deliveryTopic }).update({ next_offset: 0 });
    const admin = kafka.admin();
    await admin.connect();
    const partitions = Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, offset: "0" }));
    await admin.setOffsets({ groupId: topics.group, topic: deliveryTopic, partitions }).finally(() => admin.disconnect());
    const afterCopies = await snapshot();
    await startCounter();
    await caughtUp();
    expect(await snapshot()).toEqual(afterCopies);
  });
});

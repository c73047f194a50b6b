import { randomUUID } from "node:crypto";
import type { Kafka, Producer } from "kafkajs";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { countsChangedSchema, thresholdCrossedEventId, thresholdCrossedSchema } from "@honorarium/shared/contracts";
import { createTestDatabase, eventually, type TestDatabase } from "@honorarium/shared/testing";
import type { CounterService } from "../src/counter-service.ts";
import {
  type CounterTopics,
  type Ids,
  cancelled,
  confirmed,
  connectProducer,
  counterEnv,
  createCounterTopics,
  createKafkaFor,
  insertBlindeforbundetTiers,
  insertTier,
  monthCount,
  produceJson,
  startInProcessCounter,
  uniqueCounterTopics,
  waitCaughtUp,
  waitOutboxEmpty,
} from "./support.ts";
import { runTool } from "./workload.ts";

interface RecordRow {
  id: string;
  peer_mentor_id: string;
  scope_id: string | null;
  threshold_level: string;
  threshold_assignment_number: number;
  honorarium_rate: string;
  currency: string;
  fiscal_year: number;
  period_type: string;
  period_key: string;
  tier_order: number;
  tier_name: string;
  threshold_config_id: string;
  is_cumulative: boolean;
  payment_status: string;
  trigger_assignment_id: string;
  reached_at: Date;
  recorded_at: Date;
  assignment_count: number;
  coordinator_id: string;
  needs_review: boolean;
  review_flagged_at: Date | null;
}

describe("counter: counting semantics against Kafka, Postgres and Redis", () => {
  const services = inject("testServices");
  let database: TestDatabase;
  let kafka: Kafka;
  let producer: Producer;
  let topics: CounterTopics;
  let counter: CounterService;
  let redisSubscriber: Redis;
  const liveMessages: unknown[] = [];
  const crossedEvents: unknown[] = [];
  let crossedConsumer: ReturnType<Kafka["consumer"]>;

  const newIds = (org = randomUUID(), scope: string | null = randomUUID()): Ids => ({
    org,
    scope,
    mentor: randomUUID(),
    coordinator: randomUUID(),
  });
  const records = async (ids: Ids): Promise<RecordRow[]> =>
    database
      .db("honorarium_records")
      .where({ organization_id: ids.org, peer_mentor_id: ids.mentor })
      .orderBy("threshold_assignment_number");
  const settle = async () => {
    await waitCaughtUp(kafka, database.db, topics.group, [topics.confirmed, topics.cancelled]);
  };
  const confirmAll = async (events: ReturnType<typeof confirmed>[]) => {
    await produceJson(producer, topics.confirmed, events);
    await settle();
  };
  const cancelAll = async (events: ReturnType<typeof cancelled>[]) => {
    await produceJson(producer, topics.cancelled, events);
    await settle();
  };

  beforeAll(async () => {
    database = await createTestDatabase(services.databaseUrl);
    kafka = createKafkaFor(services);
    topics = uniqueCounterTopics("counting");
    await createCounterTopics(kafka, topics, 2);
    producer = await connectProducer(kafka);
    redisSubscriber = new Redis(services.redisUrl);
    await redisSubscriber.subscribe(`${topics.redisPrefix}honorarium:counts-changed:v1`);
    redisSubscriber.on("message", (_channel, message: string) => liveMessages.push(JSON.parse(message)));
    crossedConsumer = kafka.consumer({ groupId: `${topics.group}-reader` });
    await crossedConsumer.connect();
    await crossedConsumer.subscribe({ topic: topics.crossed, fromBeginning: true });
    await crossedConsumer.run({
      eachMessage: async ({ message }) => void crossedEvents.push(JSON.parse(message.value?.toString() ?? "null")),
    });
    ({ service: counter } = startInProcessCounter(counterEnv(services, database.url, topics)));
    await counter.start();
  });

  afterAll(async () => {
    await counter?.stop();
    await crossedConsumer?.disconnect();
    await producer?.disconnect();
    redisSubscriber?.disconnect();
    await database?.drop();
  });

  it("counts the same event twice, and the same assignment under a new eventId, once", async () => {
    const ids = newIds();
    const first = confirmed(ids, "2026-03-02T10:00:00+01:00");
    await confirmAll([first, first, { ...first, eventId: randomUUID() }]);
    await confirmAll([first]);
    expect(await monthCount(database.db, ids, "2026-03")).toBe(1);
    const ledger = await database.db("assignment_ledger").where({ peer_mentor_id: ids.mentor });
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ state: "counted", confirm_event_id: first.eventId, month_key: "2026-03" });
  });

  it("records the 3rd and 15th assignment per RK scope and calendar year with every spec 003 field, and publishes each once", async () => {
    const org = randomUUID();
    const tiers = await insertBlindeforbundetTiers(database.db, org);
    const ids = newIds(org);
    const otherScope = { ...ids, scope: randomUUID() };
    const events = Array.from({ length: 16 }, (_, i) => confirmed(ids, `2026-02-${String(i + 1).padStart(2, "0")}T09:00:00Z`));
    await confirmAll([...events, confirmed(otherScope, "2026-02-01T09:00:00Z"), confirmed(otherScope, "2026-02-02T09:00:00Z")]);

    const rows = await records(ids);
    expect(rows.map((r) => [r.scope_id, r.threshold_assignment_number])).toEqual([
      [ids.scope, 3],
      [ids.scope, 15],
    ]);
    const [office, higher] = rows as [RecordRow, RecordRow];
    expect(office).toMatchObject({
      threshold_level: "office_honorarium",
      honorarium_rate: "500.00",
      currency: "NOK",
      fiscal_year: 2026,
      period_type: "calendar_year",
      period_key: "2026",
      tier_order: 1,
      tier_name: "Kontorhonorar",
      is_cumulative: false,
      payment_status: "pending",
      trigger_assignment_id: events[2]?.assignmentId,
      assignment_count: 3,
      coordinator_id: ids.coordinator,
      needs_review: false,
    });
    expect(office.reached_at.toISOString()).toBe("2026-02-03T09:00:00.000Z");
    expect(office.threshold_config_id).toBe(tiers.office);
    expect(office.recorded_at).toBeInstanceOf(Date);
    expect(higher).toMatchObject({
      threshold_level: "higher_rate",
      honorarium_rate: "1500.00",
      trigger_assignment_id: events[14]?.assignmentId,
      threshold_config_id: tiers.higher,
    });
    expect(await monthCount(database.db, otherScope, "2026-02")).toBe(2);

    await waitOutboxEmpty(database.db);
    const published = await eventually(async () => {
      const mine = crossedEvents.map((e) => thresholdCrossedSchema.parse(e)).filter((e) => e.peerMentorId === ids.mentor);
      return mine.length >= 2 ? mine : undefined;
    });
    expect(published.map((e) => e.eventId).sort()).toEqual(rows.map((r) => thresholdCrossedEventId(r.id)).sort());
    expect(published.find((e) => e.thresholdCount === 3)).toMatchObject({
      honorariumAmount: "500.00",
      periodKey: "2026",
      fiscalYear: 2026,
      notifyMentor: true,
      triggerAssignmentId: events[2]?.assignmentId,
    });

    const live = await eventually(async () => {
      const mine = liveMessages.map((m) => countsChangedSchema.parse(m)).filter((m) => m.peerMentorId === ids.mentor);
      return mine.length > 0 ? mine : undefined;
    });
    expect(live[0]?.id).toMatch(/^\d+-\d+$/);
    expect(live.flatMap((m) => m.crossedRecordIds).sort()).toEqual(rows.map((r) => r.id).sort());
  });

  it("flags a crossed record for review when a cancellation takes the count below it, and makes no second record on re-crossing", async () => {
    const org = randomUUID();
    await insertBlindeforbundetTiers(database.db, org);
    const ids = newIds(org);
    const events = [1, 2, 3].map((day) => confirmed(ids, `2026-04-0${day}T09:00:00Z`));
    await confirmAll(events);
    expect(await records(ids)).toHaveLength(1);

    await cancelAll([cancelled(ids, events[1]?.assignmentId ?? "")]);
    expect(await monthCount(database.db, ids, "2026-04")).toBe(2);
    const [flagged] = await records(ids);
    expect(flagged).toMatchObject({ needs_review: true, threshold_assignment_number: 3 });
    expect(flagged?.review_flagged_at).toBeInstanceOf(Date);

    await confirmAll([confirmed(ids, "2026-04-10T09:00:00Z")]);
    expect(await monthCount(database.db, ids, "2026-04")).toBe(3);
    const after = await records(ids);
    expect(after).toHaveLength(1);
    expect(after[0]?.id).toBe(flagged?.id);
  });

  it("flags a record again after its review was resolved, when a second cancellation takes the count below it", async () => {
    const org = randomUUID();
    await insertBlindeforbundetTiers(database.db, org);
    const ids = newIds(org);
    const events = [1, 2, 3, 4].map((day) => confirmed(ids, `2026-05-0${day}T09:00:00Z`));
    await confirmAll(events.slice(0, 3));
    await cancelAll([cancelled(ids, events[0]?.assignmentId ?? "")]);
    // The coordinator resolves the review (as records.resolveReview does), then the count recovers.
    await database
      .db("honorarium_records")
      .where({ peer_mentor_id: ids.mentor })
      .update({
        needs_review: false,
        review_resolved_at: new Date("2026-05-03T12:00:00Z"),
        review_resolved_by: ids.coordinator,
        review_resolution: "ok",
      });
    await confirmAll([events[3] as (typeof events)[number]]);
    await cancelAll([cancelled(ids, events[1]?.assignmentId ?? "")]);
    const [again] = await records(ids);
    expect(again).toMatchObject({ needs_review: true, review_resolved_at: null, review_resolved_by: null, review_resolution: null });
  });

  it("a cancellation before a crossing delays the crossing to the assignment that really reaches it", async () => {
    const org = randomUUID();
    await insertBlindeforbundetTiers(database.db, org);
    const ids = newIds(org);
    const [a, b] = [confirmed(ids, "2026-05-01T09:00:00Z"), confirmed(ids, "2026-05-02T09:00:00Z")];
    await confirmAll([a, b]);
    await cancelAll([cancelled(ids, a.assignmentId), cancelled(ids, a.assignmentId)]);
    const c = confirmed(ids, "2026-05-03T09:00:00Z");
    await confirmAll([c]);
    expect(await records(ids)).toHaveLength(0);
    const d = confirmed(ids, "2026-05-04T09:00:00Z");
    await confirmAll([d]);
    const rows = await records(ids);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ trigger_assignment_id: d.assignmentId, assignment_count: 3, needs_review: false });
  });

  it("a cancellation that arrives before its confirmation leaves a tombstone: the late confirmation never counts", async () => {
    const ids = newIds();
    const assignment = confirmed(ids, "2026-06-01T09:00:00Z");
    await cancelAll([cancelled(ids, assignment.assignmentId)]);
    expect((await database.db("assignment_ledger").where({ peer_mentor_id: ids.mentor }).first())?.state).toBe("tombstone");
    await confirmAll([assignment]);
    expect(await monthCount(database.db, ids, "2026-06")).toBe(0);
    const ledger = await database.db("assignment_ledger").where({ peer_mentor_id: ids.mentor }).first();
    expect(ledger).toMatchObject({ state: "cancelled", month_key: "2026-06", confirm_event_id: assignment.eventId });
  });

  it("counts a late event in the period of its confirmedAt, without crossing in the current period", async () => {
    const org = randomUUID();
    await insertBlindeforbundetTiers(database.db, org);
    const ids = newIds(org);
    await confirmAll([confirmed(ids, "2026-03-01T09:00:00Z"), confirmed(ids, "2026-03-02T09:00:00Z")]);
    await confirmAll([confirmed(ids, "2025-05-20T09:00:00Z")]);
    expect(await monthCount(database.db, ids, "2025-05")).toBe(1);
    expect(await monthCount(database.db, ids, "2026-03")).toBe(2);
    expect(await records(ids)).toHaveLength(0);
    const late = [confirmed(ids, "2025-06-01T09:00:00Z"), confirmed(ids, "2025-07-01T09:00:00Z")];
    await confirmAll(late);
    const rows = await records(ids);
    expect(rows.map((r) => [r.period_key, r.fiscal_year, r.trigger_assignment_id])).toEqual([["2025", 2025, late[1]?.assignmentId]]);
  });

  it("counts 2025-12-31T23:30Z in January 2026 for an organization in Europe/Oslo", async () => {
    const org = randomUUID();
    await database.db("organization_settings").insert({ organization_id: org, time_zone: "Europe/Oslo" });
    await insertBlindeforbundetTiers(database.db, org);
    const ids = newIds(org);
    await confirmAll([
      confirmed(ids, "2025-12-30T10:00:00Z"),
      confirmed(ids, "2025-12-31T10:00:00Z"),
      confirmed(ids, "2025-12-31T23:30:00Z"),
    ]);
    expect(await monthCount(database.db, ids, "2025-12")).toBe(2);
    expect(await monthCount(database.db, ids, "2026-01")).toBe(1);
    expect(await records(ids)).toHaveLength(0);
    // The Oslo calendar date of 2025-12-31T23:30Z (read as text: a DATE as a JS Date depends on the host's zone).
    const ledger = await database
      .db("assignment_ledger")
      .select(database.db.raw("activity_date::text as activity_date"))
      .where({ peer_mentor_id: ids.mentor, month_key: "2026-01" })
      .first();
    expect(ledger?.activity_date).toBe("2026-01-01");
  });

  it("applies configurations by effective date at confirmedAt and never crosses retroactively", async () => {
    const org = randomUUID();
    await insertTier(database.db, { organizationId: org, name: "Tier A", thresholdCount: 3, amount: "300.00", tierOrder: 1 });
    const early = newIds(org);
    const ahead = newIds(org);
    await confirmAll([1, 2, 3, 4].map((d) => confirmed(early, `2026-01-0${d}T09:00:00Z`)));
    await confirmAll([1, 2, 3, 4, 5, 6].map((d) => confirmed(ahead, `2026-01-0${d}T09:00:00Z`)));
    expect((await records(early)).map((r) => r.threshold_assignment_number)).toEqual([3]);

    // Mid-stream: a new tier at 5 from 2026-02-01, and a change of rate for tier A by replacing it.
    await insertTier(database.db, {
      organizationId: org,
      name: "Tier B",
      thresholdCount: 5,
      amount: "800.00",
      tierOrder: 2,
      effectiveFrom: "2026-02-01T00:00:00Z",
    });
    // An event confirmed before the new tier took effect does not cross it (count 4 → 5 in January).
    await confirmAll([confirmed(early, "2026-01-20T09:00:00Z")]);
    expect((await records(early)).map((r) => r.threshold_assignment_number)).toEqual([3]);
    // After its effective date it applies to increments only: `ahead` (6 → 7) never gets a retroactive record.
    await confirmAll([confirmed(ahead, "2026-02-10T09:00:00Z")]);
    expect((await records(ahead)).map((r) => r.threshold_assignment_number)).toEqual([3]);

    const fresh = newIds(org);
    await confirmAll([1, 2, 3, 4, 5].map((d) => confirmed(fresh, `2026-02-0${d}T09:00:00Z`)));
    const rows = await records(fresh);
    expect(rows.map((r) => [r.threshold_assignment_number, r.honorarium_rate])).toEqual([
      [3, "300.00"],
      [5, "800.00"],
    ]);
  });

  it("judges a late event by the version of a configuration in effect at its confirmedAt, after the version was retired", async () => {
    const org = randomUUID();
    const cutOver = "2026-04-01T00:00:00Z";
    // The query API retires a version by ending its window and deactivating it, then inserts the successor.
    const old = await insertTier(database.db, { organizationId: org, name: "Old rate", thresholdCount: 3, amount: "300.00", tierOrder: 1 });
    await database.db("threshold_configs").where({ id: old }).update({ is_active: false, effective_until: cutOver });
    await insertTier(database.db, {
      organizationId: org,
      name: "New rate",
      thresholdCount: 3,
      amount: "450.00",
      tierOrder: 1,
      effectiveFrom: cutOver,
    });
    const late = newIds(org);
    await confirmAll([1, 2, 3].map((d) => confirmed(late, `2026-03-0${d}T09:00:00Z`)));
    const current = newIds(org);
    await confirmAll([1, 2, 3].map((d) => confirmed(current, `2026-04-0${d}T09:00:00Z`)));
    expect((await records(late)).map((r) => [r.tier_name, r.honorarium_rate])).toEqual([["Old rate", "300.00"]]);
    expect((await records(current)).map((r) => [r.tier_name, r.honorarium_rate])).toEqual([["New rate", "450.00"]]);
  });

  it("treats ids that differ only in letter case as one id", async () => {
    const ids = newIds();
    await insertBlindeforbundetTiers(database.db, ids.org);
    const upper = (event: ReturnType<typeof confirmed>) =>
      Object.fromEntries(Object.entries(event).map(([k, v]) => [k, k.endsWith("Id") && typeof v === "string" ? v.toUpperCase() : v]));
    const first = confirmed(ids, "2026-05-01T09:00:00Z");
    await confirmAll([first, confirmed(ids, "2026-05-02T09:00:00Z")]);
    await confirmAll([upper(first) as typeof first, upper(confirmed(ids, "2026-05-03T09:00:00Z")) as typeof first]);
    expect(await monthCount(database.db, ids, "2026-05")).toBe(3);
    expect((await records(ids)).map((r) => r.threshold_assignment_number)).toEqual([3]);
  });

  it("two organizations with different tiers (calendar year per RK; half years) and one with none", async () => {
    const blind = randomUUID();
    await insertBlindeforbundetTiers(database.db, blind);
    const halfYear = randomUUID();
    await insertTier(database.db, {
      organizationId: halfYear,
      name: "Halvår",
      thresholdCount: 2,
      amount: "250.00",
      tierOrder: 1,
      periodType: "half_year",
      isCumulative: true,
      notificationEnabled: false,
    });
    const none = randomUUID();

    const rkA = newIds(blind);
    const rkB = { ...rkA, scope: randomUUID() };
    const half = newIds(halfYear, null);
    const plain = newIds(none);
    await confirmAll([
      ...[1, 2, 3].map((d) => confirmed(rkA, `2026-03-0${d}T09:00:00Z`)),
      ...[1, 2].map((d) => confirmed(rkB, `2026-03-0${d}T09:00:00Z`)),
      // A past year: the input rules refuse times more than 7 days after the broker timestamp, and
      // the broker refuses timestamps ahead of its clock, so a fixed date must not lie in the future.
      confirmed(half, "2025-01-15T09:00:00Z"),
      confirmed(half, "2025-06-30T09:00:00Z"),
      confirmed(half, "2025-07-01T09:00:00Z"),
      confirmed(half, "2025-12-31T09:00:00Z"),
      ...[1, 2, 3, 4, 5].map((d) => confirmed(plain, `2026-03-0${d}T09:00:00Z`)),
    ]);
    expect((await records(rkA)).filter((r) => r.scope_id === rkA.scope)).toHaveLength(1);
    expect((await records(rkA)).filter((r) => r.scope_id === rkB.scope)).toHaveLength(0);
    const halves = await database.db("honorarium_records").where({ organization_id: halfYear }).orderBy("period_key");
    expect(halves.map((r: RecordRow) => [r.period_type, r.period_key, r.fiscal_year, r.scope_id, r.is_cumulative])).toEqual([
      ["half_year", "2025-H1", 2025, null, true],
      ["half_year", "2025-H2", 2025, null, true],
    ]);
    await waitOutboxEmpty(database.db);
    const halfEvents = await eventually(async () => {
      const mine = crossedEvents.map((e) => thresholdCrossedSchema.parse(e)).filter((e) => e.organizationId === halfYear);
      return mine.length >= 2 ? mine : undefined;
    });
    expect(halfEvents.every((e) => e.notifyMentor === false && e.scopeId === null)).toBe(true);
    expect(await monthCount(database.db, plain, "2026-03")).toBe(5);
    expect(await database.db("honorarium_records").where({ organization_id: none })).toHaveLength(0);
  });

  it("counter:reconcile reports drift between counters and the ledger and repairs it on request", async () => {
    const ids = newIds();
    await confirmAll([confirmed(ids, "2026-08-01T10:00:00Z"), confirmed(ids, "2026-08-02T10:00:00Z")]);
    const ghost = { ...ids, mentor: randomUUID() };
    await database.db("mentor_month_counts").where({ peer_mentor_id: ids.mentor }).update({ confirmed_count: 7 });
    await database
      .db("mentor_month_counts")
      .insert({ organization_id: ids.org, scope_id: null, peer_mentor_id: ghost.mentor, month_key: "2026-08", confirmed_count: 1 });
    const env = { DATABASE_URL: database.url };

    const report = await runTool("reconcile", ["--organization", ids.org], env);
    expect(report.code, report.stderr).toBe(3);
    const found = JSON.parse(report.stdout) as {
      driftedCounters: number;
      drift: { peerMentorId: string; expected: number; actual: number }[];
    };
    expect(found.driftedCounters).toBe(2);
    expect(found.drift).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ peerMentorId: ids.mentor, expected: 2, actual: 7 }),
        expect.objectContaining({ peerMentorId: ghost.mentor, expected: 0, actual: 1 }),
      ]),
    );

    const repair = await runTool("reconcile", ["--organization", ids.org, "--repair"], env);
    expect(repair.code, repair.stderr).toBe(0);
    expect(await monthCount(database.db, ids, "2026-08")).toBe(2);
    expect(await monthCount(database.db, ghost, "2026-08")).toBe(0);
    const again = await runTool("reconcile", [], env);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ driftedCounters: 0 });

    const invalid = await runTool("reconcile", ["--organization", "not-a-uuid"], env);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/--organization must be a UUID/);
  });

  it("counter:replay refuses to move the offsets of a running group", async () => {
    const replay = await runTool(
      "replay",
      ["--to", "2000-01-01T00:00:00Z", "--group", topics.group],
      counterEnv(services, database.url, topics),
    );
    expect(replay.code).toBe(1);
    expect(replay.stderr).toMatch(/active member\(s\).*stop the counter first/);
    const bad = await runTool("replay", ["--to", "yesterday"], counterEnv(services, database.url, topics));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--to needs an ISO timestamp/);
  });
});

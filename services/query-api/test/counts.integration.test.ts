import { randomUUID } from "node:crypto";
import {
  COUNTS_CHANGED_STREAM_MAXLEN,
  COUNTS_CHANGED_STREAM_FIELD,
  type CountsChanged,
  liveUpdatesKeys,
} from "@honorarium/shared/contracts";
import { createLogger } from "@honorarium/shared";
import { createRedis } from "@honorarium/shared/infra";
import { type TestDatabase, eventually } from "@honorarium/shared/testing";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type RunningApi, closedPort, createTestDatabase, errorOf, seedConfig, seedMonthCount, seedRecord, startApi } from "./helpers.ts";

const NOW = new Date("2026-06-15T10:00:00Z");
const ORG = randomUUID();
const SCOPE_A = randomUUID();
const SCOPE_B = randomUUID();
const M1 = randomUUID(); // scope A, 13 this year: office reached, 2 from the higher rate
const M2 = randomUUID(); // scope B, 1 this year
const M3 = randomUUID(); // scope A, 900 honorarium: near the (lowered) tax-free limit
const M4 = randomUUID(); // scope B, 1200: over it
const coordinatorA = { sub: randomUUID(), org: ORG, roles: ["coordinator"], scopes: [SCOPE_A] };
const coordinatorEmpty = { sub: randomUUID(), org: ORG, roles: ["coordinator"], scopes: [randomUUID()] };
const admin = { sub: randomUUID(), org: ORG, roles: ["org_admin"] };

let database: TestDatabase;
let api: RunningApi;
let publisher: Redis;
let office: string;
let officeRecord: string;

/** Publishes exactly as the counter does (contracts/live-updates.ts): XADD to the stream, then PUBLISH with the entry id. */
async function publishChange(change: Omit<CountsChanged, "id" | "at">): Promise<string> {
  const message = { ...change, at: new Date().toISOString() };
  const { stream, channel } = liveUpdatesKeys(api.config.LIVE_UPDATES_PREFIX);
  const id = await publisher.xadd(
    stream,
    "MAXLEN",
    "~",
    String(COUNTS_CHANGED_STREAM_MAXLEN),
    "*",
    COUNTS_CHANGED_STREAM_FIELD,
    JSON.stringify(message),
  );
  if (id === null) throw new Error("xadd returned no id");
  await publisher.publish(channel, JSON.stringify({ ...message, id }));
  return id;
}

beforeAll(async () => {
  const services = inject("testServices");
  database = await createTestDatabase(services.databaseUrl);
  const db = database.db;
  office = await seedConfig(db, ORG, { name: "Office honorarium", threshold_count: 3, honorarium_amount: "500.00", tier_order: 1 });
  await seedConfig(db, ORG, {
    name: "Higher rate",
    threshold_count: 15,
    honorarium_amount: "1500.00",
    tier_order: 2,
    threshold_level: "higher_rate",
  });
  await db("tax_free_limits").insert({ organization_id: ORG, income_year: 2026, limit_amount: "1000.00" });
  await seedMonthCount(db, { organizationId: ORG, scopeId: SCOPE_A, peerMentorId: M1, monthKey: "2026-01", count: 5 });
  await seedMonthCount(db, { organizationId: ORG, scopeId: SCOPE_A, peerMentorId: M1, monthKey: "2026-06", count: 8 });
  await seedMonthCount(db, { organizationId: ORG, scopeId: SCOPE_A, peerMentorId: M1, monthKey: "2025-12", count: 40 }); // last year: not counted
  await seedMonthCount(db, { organizationId: ORG, scopeId: SCOPE_B, peerMentorId: M2, monthKey: "2026-03", count: 1 });
  officeRecord = await seedRecord(db, {
    organizationId: ORG,
    scopeId: SCOPE_A,
    peerMentorId: M1,
    configId: office,
    fiscalYear: 2026,
    reachedAt: "2026-02-01T09:00:00Z",
  });
  await seedRecord(db, {
    organizationId: ORG,
    scopeId: SCOPE_A,
    peerMentorId: M3,
    rate: "900.00",
    fiscalYear: 2026,
    paymentStatus: "paid",
  });
  await seedRecord(db, {
    organizationId: ORG,
    scopeId: SCOPE_B,
    peerMentorId: M4,
    rate: "1200.00",
    fiscalYear: 2026,
    paymentStatus: "processing",
  });
  api = await startApi({ db: database, redisUrl: services.redisUrl, now: () => NOW });
  publisher = createRedis(services.redisUrl, createLogger("test-publisher", "silent"));
  await publisher.connect();
});

afterAll(async () => {
  await api?.stop();
  publisher?.disconnect();
  await database?.drop();
});

describe("counts.forMentor: the tax-free standing is the mentor's, across scopes (issue 14, decision)", () => {
  it("a coordinator of one scope sees the organisation-wide tax-free figure, but only their scope's counts and tiers", async () => {
    const db = database.db;
    const org = randomUUID();
    const [mine, theirs, mentor] = [randomUUID(), randomUUID(), randomUUID()];
    await seedMonthCount(db, { organizationId: org, scopeId: mine, peerMentorId: mentor, monthKey: "2026-02", count: 3 });
    await seedMonthCount(db, { organizationId: org, scopeId: theirs, peerMentorId: mentor, monthKey: "2026-02", count: 3 });
    await seedRecord(db, { organizationId: org, scopeId: mine, peerMentorId: mentor, rate: "500.00", fiscalYear: 2026 });
    await seedRecord(db, { organizationId: org, scopeId: theirs, peerMentorId: mentor, rate: "700.00", fiscalYear: 2026 });
    const coordinator = await api.client({ sub: randomUUID(), org, roles: ["coordinator"], scopes: [mine] }).counts.forMentor.query({
      peerMentorId: mentor,
    });
    const admin = await api.client({ sub: randomUUID(), org, roles: ["org_admin"] }).counts.forMentor.query({ peerMentorId: mentor });
    expect(coordinator.scopes.map((scope) => scope.scopeId)).toEqual([mine]);
    expect(admin.scopes.map((scope) => scope.scopeId).sort()).toEqual([mine, theirs].sort());
    // Tax is per person per organisation and income year: the limit applies to everything the mentor
    // is owed, so the coordinator needs the whole figure to see who is near it (the other scope's
    // amounts are not itemised, only summed).
    expect(coordinator.taxFree).toEqual(admin.taxFree);
    expect(coordinator.taxFree.honorariumYearToDate).toBe("1200.00");
  });
});

describe("counts.forMentor", () => {
  it("shows the count per period type, tiers reached and when, the next threshold and the tax-free standing", async () => {
    const result = await api.client(coordinatorA).counts.forMentor.query({ peerMentorId: M1 });
    expect(result.timeZone).toBe("Europe/Oslo");
    expect(result.incomeYear).toBe(2026);
    expect(result.confirmedThisYear).toBe(13);
    expect(result.scopes).toHaveLength(1);
    const scope = result.scopes[0];
    expect(scope?.scopeId).toBe(SCOPE_A);
    const period = scope?.periods[0];
    expect(period).toMatchObject({ periodType: "calendar_year", periodKey: "2026", count: 13, remaining: 2 });
    expect(period?.next).toMatchObject({ name: "Higher rate", thresholdCount: 15 });
    expect(period?.tiers.map((t) => [t.name, t.reached, t.recordId, t.reachedAt, t.paymentStatus])).toEqual([
      ["Office honorarium", true, officeRecord, "2026-02-01T09:00:00.000Z", "pending"],
      ["Higher rate", false, null, null, null],
    ]);
    expect(result.taxFree).toEqual({
      incomeYear: 2026,
      honorariumYearToDate: "500.00",
      paidInYear: "0.00",
      projectedNotYetPaid: "500.00",
      taxFreeLimit: "1000.00",
      remaining: "500.00",
      status: "below",
    });
  });

  it("a peer mentor sees their own counts without naming themself", async () => {
    const result = await api.client({ sub: M2, org: ORG, roles: ["peer_mentor"] }).counts.forMentor.query({});
    expect(result.peerMentorId).toBe(M2);
    expect(result.scopes[0]?.periods[0]).toMatchObject({ count: 1, remaining: 2 });
  });
});

describe("counts.dashboard", () => {
  it("lists approaching, action required and near the tax-free limit for the coordinator's scope only", async () => {
    const view = await api.client(coordinatorA).counts.dashboard.query({});
    expect(view.allUpToDate).toBe(false);
    expect(view.approaching.items).toEqual([
      {
        peerMentorId: M1,
        scopeId: SCOPE_A,
        periodType: "calendar_year",
        periodKey: "2026",
        count: 13,
        nextThreshold: 15,
        nextTierName: "Higher rate",
        remaining: 2,
      },
    ]);
    expect(view.actionRequired.items.map((r) => r.recordId)).toEqual([officeRecord]);
    expect(view.flaggedForReview.total).toBe(0);
    // M3 (900 of 1000) is near; M4 (over) is in scope B, which this coordinator does not see.
    expect(view.nearTaxFreeLimit.items).toEqual([
      { peerMentorId: M3, honorariumYearToDate: "900.00", taxFreeLimit: "1000.00", status: "near" },
    ]);
  });

  it("an admin sees every scope; pages and sorts", async () => {
    const view = await api.client(admin).counts.dashboard.query({ pageSize: 1, page: 1, sortBy: "peerMentorId", direction: "desc" });
    expect(view.nearTaxFreeLimit.total).toBe(2);
    expect(view.nearTaxFreeLimit.pageCount).toBe(2);
    const sorted = [M3, M4].sort().reverse();
    expect(view.nearTaxFreeLimit.items.map((e) => e.peerMentorId)).toEqual([sorted[0]]);
    const second = await api.client(admin).counts.dashboard.query({ pageSize: 1, page: 2, sortBy: "peerMentorId", direction: "desc" });
    expect(second.nearTaxFreeLimit.items.map((e) => e.peerMentorId)).toEqual([sorted[1]]);
    const over = view.nearTaxFreeLimit.items.concat(second.nearTaxFreeLimit.items).find((e) => e.peerMentorId === M4);
    expect(over?.status).toBe("over");
  });

  it("says all is up to date when nothing needs attention", async () => {
    const view = await api.client(coordinatorEmpty).counts.dashboard.query({});
    expect(view.allUpToDate).toBe(true);
    expect(view.message).toBe("All honorarium statuses are up to date.");
    expect(view.approaching.total + view.actionRequired.total + view.flaggedForReview.total + view.nearTaxFreeLimit.total).toBe(0);
  });
});

describe("milestones.history", () => {
  it("lists crossings chronologically with date, tier, rate and payment status", async () => {
    const higher = await seedRecord(database.db, {
      organizationId: ORG,
      scopeId: SCOPE_A,
      peerMentorId: M2,
      tierName: "Higher rate",
      tierOrder: 2,
      thresholdCount: 15,
      thresholdLevel: "higher_rate",
      rate: "1500.00",
      fiscalYear: 2025,
      periodKey: "2025",
      reachedAt: "2025-09-01T10:00:00Z",
    });
    const officeOfM2 = await seedRecord(database.db, {
      organizationId: ORG,
      scopeId: SCOPE_A,
      peerMentorId: M2,
      fiscalYear: 2025,
      periodKey: "2025",
      reachedAt: "2025-03-01T10:00:00Z",
      paymentStatus: "paid",
    });
    const history = await api.client(admin).milestones.history.query({ peerMentorId: M2 });
    expect(history.empty).toBe(false);
    expect(history.milestones.map((m) => [m.recordId, m.reachedAt, m.tierName, m.honorariumRate, m.paymentStatus])).toEqual([
      [officeOfM2, "2025-03-01T10:00:00.000Z", "Office honorarium", "500.00", "paid"],
      [higher, "2025-09-01T10:00:00.000Z", "Higher rate", "1500.00", "pending"],
    ]);
  });

  it("has an explicit empty state", async () => {
    const mentor = randomUUID();
    const history = await api.client({ sub: mentor, org: ORG, roles: ["peer_mentor"] }).milestones.history.query({});
    expect(history).toMatchObject({
      peerMentorId: mentor,
      milestones: [],
      empty: true,
      message: "No honorarium thresholds have been reached yet.",
    });
  });
});

describe("counts.forMentor for any day", () => {
  it("asOf 2025-12-31 gives last year's final count and the tiers of that year", async () => {
    const lastYear = await api.client(coordinatorA).counts.forMentor.query({ peerMentorId: M1, asOf: "2025-12-31" });
    expect(lastYear.incomeYear).toBe(2025);
    expect(lastYear.confirmedThisYear).toBe(40);
    expect(lastYear.scopes.map((s) => [s.scopeId, s.periods.map((p) => [p.periodKey, p.count])])).toEqual([[SCOPE_A, [["2025", 40]]]]);
    // The same mentor today (2026-06-15): this year's 13, cached apart from the other day.
    const today = await api.client(coordinatorA).counts.forMentor.query({ peerMentorId: M1 });
    expect([today.incomeYear, today.confirmedThisYear]).toEqual([2026, 13]);
    const bad = await errorOf(api.client(coordinatorA).counts.forMentor.query({ peerMentorId: M1, asOf: "31.12.2025" }));
    expect(bad.data?.fieldErrors).toHaveProperty("asOf");
  });
});

describe("read cache", () => {
  it("never serves an answer across New Year: the period is part of the key", async () => {
    let clock = new Date("2026-12-31T22:59:00Z"); // 23:59 in Oslo
    const services = inject("testServices");
    const newYear = await startApi({ db: database, redisUrl: services.redisUrl, now: () => clock });
    try {
      const mentor = randomUUID();
      await seedMonthCount(database.db, { organizationId: ORG, scopeId: SCOPE_B, peerMentorId: mentor, monthKey: "2026-12", count: 2 });
      const client = newYear.client(admin);
      const before = await client.counts.forMentor.query({ peerMentorId: mentor });
      expect([before.incomeYear, before.scopes[0]?.periods[0]?.periodKey, before.confirmedThisYear]).toEqual([2026, "2026", 2]);
      expect((await client.counts.forMentor.query({ peerMentorId: mentor })).cached).toBe(true);
      clock = new Date("2026-12-31T23:01:00Z"); // 00:01 on 1 January in Oslo
      const after = await client.counts.forMentor.query({ peerMentorId: mentor });
      expect([after.cached, after.incomeYear, after.scopes[0]?.periods[0]?.periodKey, after.confirmedThisYear]).toEqual([
        false,
        2027,
        "2027",
        0,
      ]);
      const dashboard = await client.counts.dashboard.query({});
      clock = new Date("2027-06-30T22:01:00Z"); // 1 July in Oslo
      expect((await client.counts.dashboard.query({})).cached).toBe(false);
      expect(dashboard.cached).toBe(false);
    } finally {
      await newYear.stop();
    }
  });

  it("serves from the cache, and the counter's pub/sub message invalidates it", async () => {
    const client = api.client(admin);
    const mentor = randomUUID();
    await seedMonthCount(database.db, { organizationId: ORG, scopeId: SCOPE_B, peerMentorId: mentor, monthKey: "2026-05", count: 1 });
    const first = await client.counts.forMentor.query({ peerMentorId: mentor });
    expect(first.cached).toBe(false);
    const second = await client.counts.forMentor.query({ peerMentorId: mentor });
    expect(second.cached).toBe(true);
    expect(second.confirmedThisYear).toBe(1);
    // The counter commits, then publishes.
    await database.db("mentor_month_counts").where({ peer_mentor_id: mentor }).update({ confirmed_count: 2 });
    await publishChange({ organizationId: ORG, scopeId: SCOPE_B, peerMentorId: mentor, monthKeys: ["2026-05"], crossedRecordIds: [] });
    const fresh = await eventually(
      async () => {
        const answer = await client.counts.forMentor.query({ peerMentorId: mentor });
        return answer.confirmedThisYear === 2 ? answer : undefined;
      },
      10_000,
      "the invalidated count",
    );
    expect(fresh.scopes[0]?.periods[0]?.count).toBe(2);
  });

  it("is correct after Redis loses every key (flush of this server's prefix)", async () => {
    const client = api.client(admin);
    const before = await client.counts.dashboard.query({});
    expect((await client.counts.dashboard.query({})).cached).toBe(true);
    // Not FLUSHALL: Redis is shared with other test runs. Dropping every key under our prefix is the same for this server.
    const keys = await publisher.keys(`${api.config.QUERY_API_REDIS_PREFIX}:*`);
    expect(keys.length).toBeGreaterThan(0);
    await publisher.del(...keys);
    const after = await client.counts.dashboard.query({});
    expect(after.cached).toBe(false);
    expect({ ...after, cached: true, asOf: "" }).toEqual({ ...before, cached: true, asOf: "" });
    const mentorView = await client.counts.forMentor.query({ peerMentorId: M1 });
    expect(mentorView.confirmedThisYear).toBe(13);
  });

  it("is correct with Redis unreachable (a second server pointed at a closed port)", async () => {
    const port = await closedPort();
    const services = inject("testServices");
    const blind = await startApi({ db: database, redisUrl: `redis://127.0.0.1:${port}`, now: () => NOW });
    try {
      const reference = await api.client(admin).counts.forMentor.query({ peerMentorId: M1 });
      for (let i = 0; i < 2; i++) {
        const answer = await blind.client(admin).counts.forMentor.query({ peerMentorId: M1 });
        expect(answer.cached).toBe(false);
        expect({ ...answer, cached: false }).toEqual({ ...reference, cached: false });
        const dashboard = await blind.client(coordinatorA).counts.dashboard.query({});
        expect(dashboard.cached).toBe(false);
        expect(dashboard.approaching.items.map((e) => e.peerMentorId)).toEqual([M1]);
      }
      const ready = await fetch(`http://127.0.0.1:${blind.port}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: "ready", checks: { postgres: true, redis: false } });
    } finally {
      await blind.stop();
    }
    expect(services.redisUrl).not.toContain(String(port));
  });
});

describe("counts.onChange (SSE)", () => {
  it("delivers the counter's messages the caller may see, and resumes after lastEventId", async () => {
    const received: { id: string; data: CountsChanged }[] = [];
    const errors: unknown[] = [];
    const subscription = api
      .client(coordinatorA)
      .counts.onChange.subscribe({}, { onData: (event) => received.push(event), onError: (error) => errors.push(error) });
    try {
      // Pub/sub is fire-and-forget: publish until the subscription (opened asynchronously) has one.
      await eventually(
        async () => {
          await publishChange({ organizationId: ORG, scopeId: SCOPE_B, peerMentorId: M2, monthKeys: ["2026-06"], crossedRecordIds: [] });
          await publishChange({
            organizationId: randomUUID(),
            scopeId: SCOPE_A,
            peerMentorId: M1,
            monthKeys: ["2026-06"],
            crossedRecordIds: [],
          });
          await publishChange({
            organizationId: ORG,
            scopeId: SCOPE_A,
            peerMentorId: M1,
            monthKeys: ["2026-06"],
            crossedRecordIds: [officeRecord],
          });
          return received.length > 0 ? true : undefined;
        },
        20_000,
        "a live update",
      );
      expect(errors).toEqual([]);
      for (const event of received) {
        expect(event.data).toMatchObject({ organizationId: ORG, scopeId: SCOPE_A, peerMentorId: M1, crossedRecordIds: [officeRecord] });
        expect(event.id).toBe(event.data.id);
      }
    } finally {
      subscription.unsubscribe();
    }
    const lastSeen = received[received.length - 1]?.id ?? "";
    const missedB = await publishChange({
      organizationId: ORG,
      scopeId: SCOPE_B,
      peerMentorId: M2,
      monthKeys: ["2026-06"],
      crossedRecordIds: [],
    });
    const missedA = await publishChange({
      organizationId: ORG,
      scopeId: SCOPE_A,
      peerMentorId: M1,
      monthKeys: ["2026-07"],
      crossedRecordIds: [],
    });
    const resumed: { id: string; data: CountsChanged }[] = [];
    const again = api.client(coordinatorA).counts.onChange.subscribe({ lastEventId: lastSeen }, { onData: (event) => resumed.push(event) });
    try {
      await eventually(async () => (resumed.some((e) => e.id === missedA) ? true : undefined), 20_000, "the replayed update");
      expect(resumed.map((e) => e.id)).not.toContain(missedB);
      expect(resumed.find((e) => e.id === missedA)?.data.monthKeys).toEqual(["2026-07"]);
    } finally {
      again.unsubscribe();
    }
  });

  it("a peer mentor only gets their own changes", async () => {
    const received: CountsChanged[] = [];
    const subscription = api
      .client({ sub: M2, org: ORG, roles: ["peer_mentor"] })
      .counts.onChange.subscribe({}, { onData: (event) => received.push(event.data) });
    try {
      await eventually(
        async () => {
          await publishChange({ organizationId: ORG, scopeId: SCOPE_A, peerMentorId: M1, monthKeys: ["2026-06"], crossedRecordIds: [] });
          await publishChange({ organizationId: ORG, scopeId: SCOPE_B, peerMentorId: M2, monthKeys: ["2026-06"], crossedRecordIds: [] });
          return received.length > 0 ? true : undefined;
        },
        20_000,
        "the mentor's update",
      );
      expect(received.every((change) => change.peerMentorId === M2)).toBe(true);
    } finally {
      subscription.unsubscribe();
    }
  });
});

describe("one answer to what is owed", () => {
  it("a mentor past both Blindeforbundet tiers is owed 1,500 in every view: forMentor, dashboard, history, Bufdir", async () => {
    const org = randomUUID();
    const scope = randomUUID();
    const mentor = randomUUID();
    const db = database.db;
    const officeTier = await seedConfig(db, org, { name: "Kontorhonorar", threshold_count: 3, honorarium_amount: "500.00", tier_order: 1 });
    const higherTier = await seedConfig(db, org, {
      name: "Høyere sats",
      threshold_count: 15,
      honorarium_amount: "1500.00",
      tier_order: 2,
      threshold_level: "higher_rate",
    });
    await seedMonthCount(db, { organizationId: org, scopeId: scope, peerMentorId: mentor, monthKey: "2026-03", count: 16 });
    const officeId = await seedRecord(db, {
      organizationId: org,
      scopeId: scope,
      peerMentorId: mentor,
      configId: officeTier,
      fiscalYear: 2026,
      reachedAt: "2026-03-03T09:00:00Z",
    });
    const higherId = await seedRecord(db, {
      organizationId: org,
      scopeId: scope,
      peerMentorId: mentor,
      configId: higherTier,
      tierName: "Høyere sats",
      tierOrder: 2,
      thresholdCount: 15,
      thresholdLevel: "higher_rate",
      rate: "1500.00",
      fiscalYear: 2026,
      reachedAt: "2026-03-20T09:00:00Z",
    });
    const client = api.client({ sub: randomUUID(), org, roles: ["org_admin"] });

    const counts = await client.counts.forMentor.query({ peerMentorId: mentor });
    expect(counts.taxFree.honorariumYearToDate).toBe("1500.00");
    expect(counts.scopes[0]?.periods[0]?.tiers.map((tier) => [tier.recordId, tier.amountDue])).toEqual([
      [officeId, "500.00"],
      [higherId, "1000.00"],
    ]);

    const dashboard = await client.counts.dashboard.query({});
    const actionRequired = dashboard.actionRequired.items.map((item) => [item.recordId, item.honorariumRate, item.amountDue]);
    expect(actionRequired.sort()).toEqual(
      [
        [officeId, "500.00", "500.00"],
        [higherId, "1500.00", "1000.00"],
      ].sort(),
    );

    const history = await client.milestones.history.query({ peerMentorId: mentor });
    expect(history.milestones.map((m) => [m.recordId, m.amountDue, m.configId, m.isCumulative, m.tierOrder])).toEqual([
      [officeId, "500.00", officeTier, false, 1],
      [higherId, "1000.00", higherTier, false, 2],
    ]);
    expect(history.milestones[0]).toMatchObject({
      assignmentCount: 3,
      coordinatorNotified: false,
      coordinatorNotifiedAt: null,
      notes: null,
    });
    expect(history.milestones[0]).toHaveProperty("triggerAssignmentId");

    const bufdir = await client.bufdir.aggregate.query({ year: 2026 });
    expect(bufdir.totals.honorariumTotal).toBe("1500.00");

    // A cancelled office honorarium owes nothing; the higher rate is then owed whole.
    await client.payments.transition.mutate({ recordId: officeId, to: "cancelled", note: "not owed" });
    const after = await client.milestones.history.query({ peerMentorId: mentor });
    expect(after.milestones.map((m) => [m.recordId, m.paymentStatus, m.amountDue])).toEqual([
      [officeId, "cancelled", "0.00"],
      [higherId, "pending", "1500.00"],
    ]);
    expect((await client.bufdir.aggregate.query({ year: 2026 })).totals.honorariumTotal).toBe("1500.00");
  });
});

import { randomUUID } from "node:crypto";
import type { TestDatabase } from "@honorarium/shared/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type RunningApi, createTestDatabase, seedLedger, seedRecord, startApi, signToken } from "./helpers.ts";

/**
 * A fixture whose Bufdir figures are worked out by hand. Organization in Europe/Oslo, year 2026.
 * The ledger's month_key/activity_date are what the counter writes: the local month and date.
 *
 *  a1  M1 A  2025-12-31T23:30Z  → Oslo 2026-01-01 00:30 (CET)   counted   (New Year: belongs to 2026)
 *  a2  M1 A  2026-01-01T10:00Z  → 2026-01-01                    counted   (same day as a1: one activity day)
 *  a3  M1 A  2026-01-15T09:00Z  → 2026-01-15                    counted
 *  a4  M1 A  2026-01-15T12:00Z  → 2026-01-15                    cancelled (net out)
 *  a5  M2 B  2026-03-10T08:00Z  → 2026-03-10                    counted
 *  a6  M2 B  2026-03-31T22:30Z  → Oslo 2026-04-01 00:30 (CEST)  counted   (month 2026-04)
 *  a7  M3 B  2026-12-31T23:15Z  → Oslo 2027-01-01 00:15         counted   (belongs to 2027)
 *  a8  M3 B  2025-12-31T22:45Z  → Oslo 2025-12-31 23:45         counted   (belongs to 2025)
 *  a9  M4 A  2026-05-05T10:00Z  → 2026-05-05                    cancelled (M4 is not active)
 *  a10 M2 A  2026-03-10T12:00Z  → 2026-03-10                    counted   (M2 again on 03-10, other scope)
 *
 *  2026: confirmed = a1 a2 a3 a5 a6 a10 = 6; cancelled = a4 a9 = 2; active mentors = M1 M2 = 2;
 *        activity days = M1{01-01, 01-15} + M2{03-10, 04-01} = 4.
 *  Scope A: a1 a2 a3 a10 → mentors 2, confirmed 4, days M1{01-01,01-15} M2{03-10} = 3.
 *  Scope B: a5 a6 → mentors 1, confirmed 2, days 2.
 *  Months: 01 → 1 mentor, 3 confirmed, 2 days; 03 → 1, 2, 1 (M2 on 03-10 once across scopes); 04 → 1, 1, 1; others 0.
 *  Crossings 2026: office 500 × 3 (pending, paid, cancelled) → 3 crossings, 1000.00 (cancelled excluded);
 *                  higher 1500 × 1 (processing) → 1 crossing, owing the 1000.00 top-up over M1's office
 *                  honorarium (the higher rate replaces it). Total 4 crossings, 2000.00.
 *                  A 2025 crossing and another organization's rows are not counted.
 */
const ORG = randomUUID();
const OTHER = randomUUID();
const A = randomUUID();
const B = randomUUID();
const [M1, M2, M3, M4, M5] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()] as [
  string,
  string,
  string,
  string,
  string,
];
let database: TestDatabase;
let api: RunningApi;
const admin = { sub: randomUUID(), org: ORG, roles: ["org_admin"] };

beforeAll(async () => {
  const services = inject("testServices");
  database = await createTestDatabase(services.databaseUrl);
  const db = database.db;
  const rows: [string, string | null, "counted" | "cancelled", string, string, string][] = [
    [M1, A, "counted", "2025-12-31T23:30:00Z", "2026-01", "2026-01-01"],
    [M1, A, "counted", "2026-01-01T10:00:00Z", "2026-01", "2026-01-01"],
    [M1, A, "counted", "2026-01-15T09:00:00Z", "2026-01", "2026-01-15"],
    [M1, A, "cancelled", "2026-01-15T12:00:00Z", "2026-01", "2026-01-15"],
    [M2, B, "counted", "2026-03-10T08:00:00Z", "2026-03", "2026-03-10"],
    [M2, B, "counted", "2026-03-31T22:30:00Z", "2026-04", "2026-04-01"],
    [M3, B, "counted", "2026-12-31T23:15:00Z", "2027-01", "2027-01-01"],
    [M3, B, "counted", "2025-12-31T22:45:00Z", "2025-12", "2025-12-31"],
    [M4, A, "cancelled", "2026-05-05T10:00:00Z", "2026-05", "2026-05-05"],
    [M2, A, "counted", "2026-03-10T12:00:00Z", "2026-03", "2026-03-10"],
  ];
  for (const [peerMentorId, scopeId, state, confirmedAt, monthKey, activityDate] of rows) {
    await seedLedger(db, {
      organizationId: ORG,
      scopeId,
      peerMentorId,
      assignmentId: randomUUID(),
      state,
      confirmedAt,
      monthKey,
      activityDate,
    });
  }
  await seedLedger(db, {
    organizationId: OTHER,
    scopeId: A,
    peerMentorId: M1,
    assignmentId: randomUUID(),
    state: "counted",
    confirmedAt: "2026-02-01T10:00:00Z",
    monthKey: "2026-02",
    activityDate: "2026-02-01",
  });
  // The counter keeps mentor_month_counts in step with the ledger in the same transaction; so does this fixture.
  await db.raw(
    `insert into mentor_month_counts (organization_id, scope_id, peer_mentor_id, month_key, confirmed_count)
     select organization_id, scope_id, peer_mentor_id, month_key, count(*) from assignment_ledger where state = 'counted' group by 1, 2, 3, 4`,
  );
  await seedRecord(db, { organizationId: ORG, scopeId: A, peerMentorId: M1, fiscalYear: 2026, paymentStatus: "pending" });
  await seedRecord(db, { organizationId: ORG, scopeId: B, peerMentorId: M2, fiscalYear: 2026, paymentStatus: "paid" });
  await seedRecord(db, { organizationId: ORG, scopeId: A, peerMentorId: M5, fiscalYear: 2026, paymentStatus: "cancelled" });
  await seedRecord(db, {
    organizationId: ORG,
    scopeId: A,
    peerMentorId: M1,
    fiscalYear: 2026,
    paymentStatus: "processing",
    tierName: "Higher rate",
    tierOrder: 2,
    thresholdCount: 15,
    thresholdLevel: "higher_rate",
    rate: "1500.00",
  });
  await seedRecord(db, { organizationId: ORG, scopeId: A, peerMentorId: M1, fiscalYear: 2025, periodKey: "2025", paymentStatus: "paid" });
  await seedRecord(db, { organizationId: OTHER, scopeId: A, peerMentorId: M1, fiscalYear: 2026 });
  api = await startApi({ db: database, redisUrl: services.redisUrl });
});

afterAll(async () => {
  await api?.stop();
  await database?.drop();
});

const zero = { activePeerMentors: 0, confirmedAssignments: 0, mentorDays: 0, distinctDates: 0, activityDays: 0 };

describe("bufdir.aggregate", () => {
  it("matches the figures worked out by hand", async () => {
    const report = await api.client(admin).bufdir.aggregate.query({ year: 2026 });
    expect(report.format).toBe("honorarium-tracker bufdir-export v2");
    expect(report.coverage).toMatch(/^Counts only assignments this system received/);
    expect(report.timeZone).toBe("Europe/Oslo");
    expect(report.totals).toEqual({
      activePeerMentors: 2,
      confirmedAssignments: 6,
      mentorDays: 4,
      distinctDates: 4,
      activityDays: 4,
      cancelledAssignments: 2,
      crossings: 4,
      // M1 is owed 1,500 for 2026 in scope A, not 500 + 1,500: the higher rate replaces the office honorarium.
      honorariumTotal: "2000.00",
    });
    const expectedScopes = [
      { scopeId: A, activePeerMentors: 2, confirmedAssignments: 4, mentorDays: 3, distinctDates: 3, activityDays: 3 },
      { scopeId: B, activePeerMentors: 1, confirmedAssignments: 2, mentorDays: 2, distinctDates: 2, activityDays: 2 },
    ].sort((x, y) => x.scopeId.localeCompare(y.scopeId));
    expect(report.byScope).toEqual(expectedScopes);
    const months = Object.fromEntries(report.byMonth.map(({ month, ...figures }) => [month, figures]));
    expect(Object.keys(months)).toHaveLength(12);
    expect(months["2026-01"]).toEqual({ activePeerMentors: 1, confirmedAssignments: 3, mentorDays: 2, distinctDates: 2, activityDays: 2 });
    expect(months["2026-03"]).toEqual({ activePeerMentors: 1, confirmedAssignments: 2, mentorDays: 1, distinctDates: 1, activityDays: 1 });
    expect(months["2026-04"]).toEqual({ activePeerMentors: 1, confirmedAssignments: 1, mentorDays: 1, distinctDates: 1, activityDays: 1 });
    for (const month of ["2026-02", "2026-05", "2026-06", "2026-12"]) expect(months[month]).toEqual(zero);
    expect(report.byTier).toEqual([
      {
        tierName: "Office honorarium",
        thresholdLevel: "office_honorarium",
        thresholdCount: 3,
        currency: "NOK",
        crossings: 3,
        honorariumTotal: "1000.00",
        paidTotal: "500.00",
        cancelledCrossings: 1,
      },
      {
        tierName: "Higher rate",
        thresholdLevel: "higher_rate",
        thresholdCount: 15,
        currency: "NOK",
        crossings: 1,
        // The top-up over M1's office honorarium (the one rule), not the whole rate.
        honorariumTotal: "1000.00",
        paidTotal: "0.00",
        cancelledCrossings: 0,
      },
    ]);
  });

  it("the neighbouring years get the New Year edge cases", async () => {
    const y2027 = await api.client(admin).bufdir.aggregate.query({ year: 2027 });
    expect(y2027.totals).toMatchObject({ activePeerMentors: 1, confirmedAssignments: 1, mentorDays: 1, distinctDates: 1, activityDays: 1 });
    expect(y2027.byMonth[0]).toEqual({
      month: "2027-01",
      activePeerMentors: 1,
      confirmedAssignments: 1,
      mentorDays: 1,
      distinctDates: 1,
      activityDays: 1,
    });
    const y2025 = await api.client(admin).bufdir.aggregate.query({ year: 2025 });
    expect(y2025.totals).toMatchObject({
      activePeerMentors: 1,
      confirmedAssignments: 1,
      mentorDays: 1,
      distinctDates: 1,
      activityDays: 1,
      crossings: 1,
      honorariumTotal: "500.00",
    });
    expect(y2025.byMonth[11]).toEqual({
      month: "2025-12",
      activePeerMentors: 1,
      confirmedAssignments: 1,
      mentorDays: 1,
      distinctDates: 1,
      activityDays: 1,
    });
  });

  it("an empty year is all zeros", async () => {
    const report = await api.client(admin).bufdir.aggregate.query({ year: 2031 });
    expect(report.totals).toEqual({ ...zero, cancelledAssignments: 0, crossings: 0, honorariumTotal: "0.00" });
    expect(report.byScope).toEqual([]);
    expect(report.byTier).toEqual([]);
  });
});

describe("bufdir.exportCsv", () => {
  it("has the versioned header and the same figures as the JSON", async () => {
    const { csv, filename, report } = await api.client(admin).bufdir.exportCsv.query({ year: 2026 });
    expect(filename).toBe(`bufdir-${ORG}-2026.csv`);
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe("# honorarium-tracker bufdir-export v2");
    expect(lines[1]).toMatch(new RegExp(`^# organization_id=${ORG};year=2026;time_zone=Europe/Oslo;generated_at=`));
    expect(lines[2]).toMatch(/^# Counts only assignments this system received/);
    expect(lines[3]).toBe(
      "section,scope_id,month,tier,threshold_level,threshold_count,active_peer_mentors,confirmed_assignments,mentor_days,distinct_dates,crossings,honorarium_total,currency",
    );
    expect(lines).toContain("total,,,,,,2,6,4,4,4,2000.00,");
    expect(lines).toContain(`scope,${A},,,,,2,4,3,3,,,`);
    expect(lines).toContain(`scope,${B},,,,,1,2,2,2,,,`);
    expect(lines).toContain("month,,2026-01,,,,1,3,2,2,,,");
    expect(lines).toContain(`scope_month,${A},2026-01,,,,1,3,2,2,,,`);
    expect(lines).toContain("month,,2026-02,,,,0,0,0,0,,,");
    expect(lines).toContain("tier,,,Office honorarium,office_honorarium,3,,,,,3,1000.00,NOK");
    expect(lines).toContain("tier,,,Higher rate,higher_rate,15,,,,,1,1000.00,NOK");
    // Every data row agrees with the JSON report.
    const rows = lines.slice(4).map((line) => line.split(","));
    const months = rows.filter((r) => r[0] === "month");
    expect(months.map((r) => [r[2], Number(r[6]), Number(r[7]), Number(r[8])])).toEqual(
      report.byMonth.map((m) => [m.month, m.activePeerMentors, m.confirmedAssignments, m.activityDays]),
    );
    expect(rows.filter((r) => r[0] === "scope")).toHaveLength(report.byScope.length);
  });
});

describe("activity days: mentor-days and distinct dates", () => {
  it("two mentors on one date are two mentor-days on one distinct date, per scope, month and scope × month", async () => {
    const org = randomUUID();
    const [x, y] = [randomUUID(), randomUUID()];
    const db = database.db;
    for (const [mentor, scope, date] of [
      [x, A, "2026-09-01"],
      [y, A, "2026-09-01"],
      [y, B, "2026-09-02"],
    ] as const) {
      await seedLedger(db, {
        organizationId: org,
        scopeId: scope,
        peerMentorId: mentor,
        assignmentId: randomUUID(),
        state: "counted",
        confirmedAt: `${date}T10:00:00Z`,
        monthKey: "2026-09",
        activityDate: date,
      });
    }
    await db.raw(
      `insert into mentor_month_counts (organization_id, scope_id, peer_mentor_id, month_key, confirmed_count)
       select organization_id, scope_id, peer_mentor_id, month_key, count(*) from assignment_ledger
        where organization_id = ? and state = 'counted' group by 1, 2, 3, 4`,
      [org],
    );
    const report = await api.client({ sub: randomUUID(), org, roles: ["org_admin"] }).bufdir.aggregate.query({ year: 2026 });
    expect(report.totals).toMatchObject({
      activePeerMentors: 2,
      confirmedAssignments: 3,
      mentorDays: 3,
      distinctDates: 2,
      activityDays: 3,
    });
    expect(report.byMonth[8]).toMatchObject({ month: "2026-09", mentorDays: 3, distinctDates: 2 });
    const cells = report.byScopeMonth.map((c) => [
      c.scopeId,
      c.month,
      c.activePeerMentors,
      c.confirmedAssignments,
      c.mentorDays,
      c.distinctDates,
    ]);
    expect(cells).toEqual(
      [
        [A, "2026-09", 2, 2, 2, 1],
        [B, "2026-09", 1, 1, 1, 1],
      ].sort((p, q) => String(p[0]).localeCompare(String(q[0]))),
    );
  });
});

describe("the Bufdir CSV as a file", () => {
  const download = async (query: string, token: string | undefined) =>
    fetch(`${api.url.replace(/\/trpc$/, "")}/files/bufdir.exportCsv?${query}`, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
  it("downloads as text/csv with a file name; errors answer as tRPC does", async () => {
    const token = await signToken(admin);
    const file = await download(`input=${encodeURIComponent(JSON.stringify({ year: 2026 }))}`, token);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(file.headers.get("content-disposition")).toBe(`attachment; filename="bufdir-${ORG}-2026.csv"`);
    const body = await file.text();
    expect(body.split("\r\n")[0]).toBe("# honorarium-tracker bufdir-export v2");
    expect(body).toContain("total,,,,,,2,6,4,4,4,2000.00,");

    const invalid = await download(`input=${encodeURIComponent(JSON.stringify({ year: 1999 }))}`, token);
    expect(invalid.status).toBe(400);
    expect(
      ((await invalid.json()) as { error: { data: { fieldErrors: Record<string, string[]> } } }).error.data.fieldErrors,
    ).toHaveProperty("year");
    expect((await download(`input=${encodeURIComponent(JSON.stringify({ year: 2026 }))}`, undefined)).status).toBe(401);
    expect((await download("", token)).status).toBe(400);
    const unknown = await fetch(`${api.url.replace(/\/trpc$/, "")}/files/counts.dashboard`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(unknown.status).toBe(404);
  });
});

describe("activity-day rollups (migration 014)", () => {
  const days = async (mentor: string) =>
    (await database.db("bufdir_days").where({ organization_id: ORG, peer_mentor_id: mentor }).orderBy("activity_date")).map(
      (r: { activity_date: Date; confirmed_count: number }) => [r.activity_date.toISOString().slice(0, 10), r.confirmed_count],
    );
  it("follow the ledger on insert, cancellation, the counter's upsert and delete", async () => {
    const db = database.db;
    const mentor = randomUUID();
    const first = randomUUID();
    const second = randomUUID();
    await seedLedger(db, {
      organizationId: ORG,
      scopeId: A,
      peerMentorId: mentor,
      assignmentId: first,
      state: "counted",
      confirmedAt: "2026-08-01T10:00:00Z",
      monthKey: "2026-08",
      activityDate: "2026-08-01",
    });
    await seedLedger(db, {
      organizationId: ORG,
      scopeId: B,
      peerMentorId: mentor,
      assignmentId: second,
      state: "counted",
      confirmedAt: "2026-08-01T12:00:00Z",
      monthKey: "2026-08",
      activityDate: "2026-08-01",
    });
    expect(await days(mentor)).toEqual([["2026-08-01", 2]]);
    expect(await db("bufdir_scope_days").where({ peer_mentor_id: mentor }).count<{ count: number }[]>({ count: "*" }).first()).toEqual({
      count: 2,
    });
    // A cancellation (counted → cancelled) takes one away; the day stays active through the other.
    await db("assignment_ledger").where({ assignment_id: first }).update({ state: "cancelled", cancelled_at: "2026-08-02T10:00:00Z" });
    expect(await days(mentor)).toEqual([["2026-08-01", 1]]);
    // The counter's batch upsert: a repeat of the same counted row changes nothing.
    await db.raw(
      `insert into assignment_ledger (assignment_id, peer_mentor_id, organization_id, scope_id, state, confirmed_at, month_key, activity_date)
       values (?, ?, ?, ?, 'counted', '2026-08-01T12:00:00Z', '2026-08', '2026-08-01')
       on conflict (assignment_id, peer_mentor_id) do update set state = excluded.state`,
      [second, mentor, ORG, B],
    );
    expect(await days(mentor)).toEqual([["2026-08-01", 1]]);
    await db("assignment_ledger").where({ assignment_id: second }).delete();
    expect(await days(mentor)).toEqual([["2026-08-01", 0]]);
    // A day at zero is not an activity day: the 2026 report is unchanged by all of this.
    const report = await api.client(admin).bufdir.aggregate.query({ year: 2026 });
    expect(report.byMonth[7]).toEqual({ month: "2026-08", ...zero });
  });
});

import { randomUUID } from "node:crypto";
import { type TestDatabase, eventually } from "@honorarium/shared/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { PortalClient } from "../src/client/create-portal-client.ts";
import { type RunningApi, createTestDatabase, errorOf, outcome, seedConfig, seedMonthCount, seedRecord, startApi } from "./helpers.ts";

/** Issue 12, item 6: go-live opening balances through the API, against the real Postgres and Redis. */
const NOW = new Date("2026-06-15T10:00:00Z");
const HEADER = "mentor_id,scope_id,period_type,period_key,assignment_count,tiers_paid";
let database: TestDatabase;
let api: RunningApi;

interface Org {
  org: string;
  adminId: string;
  admin: PortalClient;
  coordinator: PortalClient;
  scope: string;
}

async function newOrg(): Promise<Org> {
  const org = randomUUID();
  const adminId = randomUUID();
  const scope = randomUUID();
  // Blindeforbundet: office honorarium 500 at the 3rd, the higher rate 1,500 (replacing it) at the 15th.
  await seedConfig(database.db, org, { threshold_count: 3, honorarium_amount: "500.00", tier_order: 1 });
  await seedConfig(database.db, org, {
    name: "Higher rate",
    threshold_count: 15,
    honorarium_amount: "1500.00",
    tier_order: 2,
    threshold_level: "higher_rate",
  });
  return {
    org,
    adminId,
    scope,
    admin: api.client({ sub: adminId, org, roles: ["org_admin"] }),
    coordinator: api.client({ sub: randomUUID(), org, roles: ["coordinator"], scopes: [scope] }),
  };
}

const csv = (...lines: string[]) => [HEADER, ...lines].join("\n");

beforeAll(async () => {
  const services = inject("testServices");
  database = await createTestDatabase(services.databaseUrl);
  api = await startApi({ db: database, redisUrl: services.redisUrl, now: () => NOW });
});

afterAll(async () => {
  await api?.stop();
  await database?.drop();
});

describe("openingBalances.import", () => {
  it("a dry run reports every invalid line with its line number, field and reason, and writes nothing", async () => {
    const { org, admin, scope } = await newOrg();
    const mentor = randomUUID();
    const counted = randomUUID();
    await seedMonthCount(database.db, { organizationId: org, scopeId: scope, peerMentorId: counted, monthKey: "2026-03", count: 2 });
    const report = await admin.openingBalances.import.mutate({
      csv: csv(
        `${mentor},${scope},calendar_year,2026,13,3`,
        `nope,${scope},calendar_year,2026,13,3`,
        `${mentor},${scope},calendar_year,2025,2,3`,
        `${mentor},,calendar_year,2026,20,7`,
        `${counted},${scope},calendar_year,2026,5,3`,
        `${mentor},${scope},calendar_year,2026,14,3`,
      ),
      dryRun: true,
    });
    expect(report.valid).toBe(false);
    expect(report.imported).toBe(0);
    expect(report.errors.map((e) => [e.line, e.field, e.code])).toEqual([
      [3, "mentor_id", "invalid_uuid"],
      [4, "tiers_paid", "tier_above_count"],
      [5, "tiers_paid", "unknown_tier"],
      [6, "period_key", "period_already_counted"],
      [7, "line", "duplicate_line"],
    ]);
    expect(report.lines).toEqual([
      expect.objectContaining({ line: 2, assignmentCount: 13, tiers: [{ thresholdCount: 3, tierName: "Office honorarium", paid: true }] }),
    ]);
    expect(await database.db("opening_balances").where({ organization_id: org })).toEqual([]);

    // The real import with the same file refuses it whole, with the same errors as details.
    const refused = await errorOf(
      admin.openingBalances.import.mutate({
        csv: csv(`${mentor},${scope},calendar_year,2026,13,3`, `nope,,month,2026-01,1,`),
        dryRun: false,
      }),
    );
    expect(refused.data?.code).toBe("BAD_REQUEST");
    expect(refused.data?.rule).toBe("opening_balance_lines_valid");
    expect((refused.data?.details as { errors: { line: number }[] }).errors.map((e) => e.line)).toEqual([3]);
    expect(await database.db("opening_balances").where({ organization_id: org })).toEqual([]);
  });

  it("refuses a wrong header and an oversized upload with a clear message, never a 500", async () => {
    const { admin } = await newOrg();
    const header = await errorOf(admin.openingBalances.import.mutate({ csv: "mentor,count\nx,1\n", dryRun: true }));
    expect(header.data?.code).toBe("BAD_REQUEST");
    expect(header.data?.rule).toBe("csv_bad_header");
    expect(header.message).toContain("mentor_id,scope_id,period_type,period_key,assignment_count,tiers_paid");
    const large = await errorOf(admin.openingBalances.import.mutate({ csv: `${HEADER}\n${"x".repeat(800 * 1024)}`, dryRun: true }));
    expect(large.data?.code).toBe("BAD_REQUEST");
    expect(Object.keys(large.data?.fieldErrors ?? {})).toEqual(["csv"]);
    const lines = Array.from({ length: 10_001 }, () => `${randomUUID()},,calendar_year,2026,1,`);
    const many = await errorOf(admin.openingBalances.import.mutate({ csv: csv(...lines), dryRun: true }));
    expect(many.data?.rule).toBe("csv_too_many_lines");
  });

  it("imports in one go, records paid tiers as paid outside the system, and a re-import replaces rather than adds", async () => {
    const { org, admin, adminId, scope } = await newOrg();
    const [a, b] = [randomUUID(), randomUUID()];
    const file = csv(`${a},${scope},calendar_year,2026,13,3`, `${b},${scope},calendar_year,2026,4,`);
    const first = await admin.openingBalances.import.mutate({ csv: file, dryRun: false });
    expect(first).toMatchObject({ dryRun: false, imported: 2, valid: true, errors: [] });
    const again = await admin.openingBalances.import.mutate({ csv: file, dryRun: false });
    expect(again.lines.every((line) => line.replaces)).toBe(true);

    const balances = await database.db("opening_balances").where({ organization_id: org }).orderBy("assignment_count");
    expect(balances.map((row) => [row.peer_mentor_id, row.assignment_count, row.tiers_paid, row.imported_by])).toEqual([
      [b, 4, [], adminId],
      [a, 13, [3], adminId],
    ]);
    const records = await database.db("honorarium_records").where({ organization_id: org }).orderBy("peer_mentor_id");
    expect(records).toHaveLength(2);
    const recordOf = (mentor: string) => records.find((r) => r.peer_mentor_id === mentor);
    // a: the office honorarium was paid outside the system; b: it was reached before go-live and is owed.
    expect(recordOf(a)).toMatchObject({
      source: "opening_balance",
      payment_status: "paid",
      amount_paid: "500.00",
      threshold_assignment_number: 3,
    });
    expect(recordOf(b)).toMatchObject({ source: "opening_balance", payment_status: "pending", amount_paid: null });
    const audit = await database.db("opening_balance_audit_log").where({ organization_id: org }).orderBy("id");
    expect(audit.map((row) => [row.actor_id, row.line_count, (row.before as unknown[]).length])).toEqual([
      [adminId, 2, 0],
      [adminId, 2, 2],
    ]);

    // A corrected balance replaces the line (same mentor × scope × period).
    await admin.openingBalances.import.mutate({ csv: csv(`${a},${scope},calendar_year,2026,16,3;15`), dryRun: false });
    const aRecords = await database
      .db("honorarium_records")
      .where({ organization_id: org, peer_mentor_id: a })
      .orderBy("threshold_assignment_number");
    expect(aRecords.map((r) => [r.threshold_assignment_number, r.payment_status, r.amount_paid])).toEqual([
      [3, "paid", "500.00"],
      // The higher rate replaces the office honorarium: only the top-up was owed for it.
      [15, "paid", "1000.00"],
    ]);
    // Paid outside the system within its period: at the import while the period runs.
    expect(aRecords.map((r) => (r.payment_processed_at as Date).toISOString())).toEqual([NOW.toISOString(), NOW.toISOString()]);
    // A past period's paid tier counts as paid in that period (its income year), not at the import.
    const late = randomUUID();
    await admin.openingBalances.import.mutate({ csv: csv(`${late},${scope},calendar_year,2025,3,3`), dryRun: false });
    const lateRecord = await database.db("honorarium_records").where({ organization_id: org, peer_mentor_id: late }).first();
    expect(lateRecord).toMatchObject({ fiscal_year: 2025, payment_status: "paid" });
    expect((lateRecord.payment_processed_at as Date).toISOString()).toBe("2025-12-31T22:59:59.999Z");
    const listed = await admin.openingBalances.list.query({});
    expect(listed.balances.map((row) => [row.peerMentorId, row.assignmentCount, row.tiersPaid])).toEqual(
      expect.arrayContaining([
        [a, 16, [3, 15]],
        [b, 4, []],
      ]),
    );
  });

  it("only org_admin or global_admin imports, and only into their own organisation", async () => {
    const { org, coordinator, scope } = await newOrg();
    const other = await newOrg();
    const file = csv(`${randomUUID()},${scope},calendar_year,2026,1,`);
    expect(await outcome(coordinator.openingBalances.import.mutate({ csv: file, dryRun: true }))).toBe("FORBIDDEN");
    expect(await outcome(other.admin.openingBalances.import.mutate({ organizationId: org, csv: file, dryRun: false }))).toBe("FORBIDDEN");
    const mentor = api.client({ sub: randomUUID(), org, roles: ["peer_mentor"] });
    expect(await outcome(mentor.openingBalances.import.mutate({ csv: file, dryRun: true }))).toBe("FORBIDDEN");
    const globalAdmin = api.client({ sub: randomUUID(), roles: ["global_admin"] });
    expect(await outcome(globalAdmin.openingBalances.import.mutate({ organizationId: org, csv: file, dryRun: false }))).toBe("OK");
    expect(await database.db("opening_balances").where({ organization_id: org })).toHaveLength(1);
    expect(await database.db("opening_balances").where({ organization_id: other.org })).toHaveLength(0);
  });

  it("counts, the dashboard and statements continue from the balance, and show it as such", async () => {
    const { org, admin, coordinator, scope } = await newOrg();
    const mentor = randomUUID();
    await admin.openingBalances.import.mutate({ csv: csv(`${mentor},${scope},calendar_year,2026,12,3`), dryRun: false });
    // One assignment counted by the system after go-live.
    await seedMonthCount(database.db, { organizationId: org, scopeId: scope, peerMentorId: mentor, monthKey: "2026-06", count: 1 });

    const counts = await coordinator.counts.forMentor.query({ peerMentorId: mentor });
    const period = counts.scopes.find((s) => s.scopeId === scope)?.periods[0];
    expect(period).toMatchObject({ periodType: "calendar_year", periodKey: "2026", count: 13, openingBalance: 12 });

    const dashboard = await coordinator.counts.dashboard.query({});
    expect(dashboard.approaching.items).toContainEqual(
      expect.objectContaining({ peerMentorId: mentor, count: 13, nextThreshold: 15, remaining: 2 }),
    );
    // The office honorarium was paid outside the system: nothing is action required for it.
    expect(dashboard.actionRequired.items.filter((item) => item.peerMentorId === mentor)).toEqual([]);

    const statement = await coordinator.statements.period.query({ periodType: "calendar_year", periodKey: "2026" });
    expect(statement.lines.items.find((line) => line.peerMentorId === mentor)).toMatchObject({
      count: 13,
      openingBalance: 12,
      owed: "500.00",
      paid: "500.00",
      outstanding: "0.00",
      tiers: [expect.objectContaining({ thresholdCount: 3, paymentStatus: "paid", amountPaid: "500.00", source: "opening_balance" })],
    });
    // The counter later crosses the higher rate (15; it replaces the office honorarium): it owes the top-up only.
    await seedRecord(database.db, {
      organizationId: org,
      scopeId: scope,
      peerMentorId: mentor,
      tierName: "Higher rate",
      tierOrder: 2,
      thresholdLevel: "higher_rate",
      thresholdCount: 15,
      rate: "1500.00",
      reachedAt: "2026-06-20T10:00:00Z",
    });
    const later = await coordinator.statements.period.query({ periodType: "calendar_year", periodKey: "2026" });
    const line = later.lines.items.find((l) => l.peerMentorId === mentor);
    expect(line).toMatchObject({ owed: "1500.00", paid: "500.00", outstanding: "1000.00" });
    expect(line?.tiers.map((t) => [t.thresholdCount, t.amountDue, t.source])).toEqual([
      [3, "500.00", "opening_balance"],
      [15, "1000.00", "counter"],
    ]);
    const history = await coordinator.milestones.history.query({ peerMentorId: mentor });
    expect(history.milestones.map((m) => [m.thresholdCount, m.source, m.paymentStatus])).toEqual([
      [3, "opening_balance", "paid"],
      [15, "counter", "pending"],
    ]);
  });

  it("an import racing a counting batch for the same mentor waits for it, then refuses the period it counted", async () => {
    const { org, admin, scope } = await newOrg();
    const mentor = randomUUID();
    // A counting batch in flight: the counter's locks (counting-store lockMentors) and its month count write.
    const batch = await database.db.transaction();
    await batch.raw("lock table mentor_month_counts in row share mode");
    await batch.raw("select pg_advisory_xact_lock(hashtextextended(?, 0))", [mentor]);
    await batch("mentor_month_counts").insert({
      organization_id: org,
      scope_id: scope,
      peer_mentor_id: mentor,
      month_key: "2026-06",
      confirmed_count: 1,
    });
    const importing = errorOf(
      admin.openingBalances.import.mutate({ csv: csv(`${mentor},${scope},calendar_year,2026,13,3`), dryRun: false }),
    );
    // The import is waiting on the batch's mentor lock (seen in pg_locks, not by a timer).
    await eventually(async () => {
      const result: { rows: { waiting: number }[] } = await database.db.raw(
        `select count(*)::int as waiting from pg_locks
         where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())`,
      );
      return (result.rows[0]?.waiting ?? 0) > 0 ? true : undefined;
    });
    await batch.commit();
    const refused = await importing;
    expect(refused.data?.code).toBe("BAD_REQUEST");
    expect((refused.data?.details as { errors: { code: string }[] }).errors.map((e) => e.code)).toEqual(["period_already_counted"]);
    expect(await database.db("opening_balances").where({ organization_id: org })).toEqual([]);
  });
});

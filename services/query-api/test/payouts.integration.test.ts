/**
 * Statements of any period and payout batches for payroll, against the real PostgreSQL and Redis:
 * what is owed by the one rule, batches that move records through spec 003's lifecycle, the
 * payroll file, redoing a batch, the audit trail, and two coordinators batching at once.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { TestDatabase } from "@honorarium/shared/testing";
import {
  type RunningApi,
  createTestDatabase,
  errorOf,
  outcome,
  seedConfig,
  seedMonthCount,
  seedRecord,
  signToken,
  startApi,
} from "./helpers.ts";

const NOW = new Date("2026-11-15T10:00:00Z");
const ORG = randomUUID();
const A = randomUUID();
const B = randomUUID();
const [M1, M2, M3, M4] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
const admin = { sub: randomUUID(), org: ORG, roles: ["org_admin"] };
const coordinatorA = { sub: randomUUID(), org: ORG, roles: ["coordinator"], scopes: [A] };
const coordinatorB = { sub: randomUUID(), org: ORG, roles: ["coordinator"], scopes: [B] };

let database: TestDatabase;
let api: RunningApi;
const ids = { m1Office: "", m1Higher: "", m2Office: "", m3Office: "", m1Last: "" };

beforeAll(async () => {
  const services = inject("testServices");
  database = await createTestDatabase(services.databaseUrl);
  const db = database.db;
  await seedConfig(db, ORG, { name: "Kontorhonorar", threshold_count: 3, honorarium_amount: "500.00", tier_order: 1 });
  await seedConfig(db, ORG, {
    name: "Høyere sats",
    threshold_count: 15,
    honorarium_amount: "1500.00",
    tier_order: 2,
    threshold_level: "higher_rate",
  });
  // A lowered limit, so that paying M1's 1,500 crosses it.
  await db("tax_free_limits").insert({ organization_id: ORG, income_year: 2026, limit_amount: "1200.00" });
  for (const [mentor, scope, count] of [
    [M1, A, 16],
    [M2, A, 4],
    [M3, B, 3],
    [M4, A, 1],
  ] as const)
    await seedMonthCount(db, { organizationId: ORG, scopeId: scope, peerMentorId: mentor, monthKey: "2026-05", count });
  const higher = { tierName: "Høyere sats", tierOrder: 2, thresholdCount: 15, thresholdLevel: "higher_rate", rate: "1500.00" };
  ids.m1Office = await seedRecord(db, { organizationId: ORG, scopeId: A, peerMentorId: M1, tierName: "Kontorhonorar", fiscalYear: 2026 });
  ids.m1Higher = await seedRecord(db, { organizationId: ORG, scopeId: A, peerMentorId: M1, fiscalYear: 2026, ...higher });
  ids.m2Office = await seedRecord(db, { organizationId: ORG, scopeId: A, peerMentorId: M2, tierName: "Kontorhonorar", fiscalYear: 2026 });
  ids.m3Office = await seedRecord(db, { organizationId: ORG, scopeId: B, peerMentorId: M3, tierName: "Kontorhonorar", fiscalYear: 2026 });
  // Last year's record is another period: never in a 2026 statement or batch.
  ids.m1Last = await seedRecord(db, { organizationId: ORG, scopeId: A, peerMentorId: M1, tierName: "Kontorhonorar", fiscalYear: 2025 });
  // The organisation's payroll id for M1 (organizations.setPayeeReference writes this table).
  await db("payee_references").insert({ organization_id: ORG, peer_mentor_id: M1, payee_reference: "HR-10042", updated_by: admin.sub });
  api = await startApi({ db: database, redisUrl: services.redisUrl, now: () => NOW });
});

afterAll(async () => {
  await api?.stop();
  await database?.drop();
});

const period = { periodType: "calendar_year" as const, periodKey: "2026" };

describe("statements.period", () => {
  it("shows each mentor's count, tiers and what is owed, paid and outstanding, for the coordinator's scopes", async () => {
    const statement = await api.client(coordinatorA).statements.period.query({ ...period, sortBy: "outstanding", direction: "desc" });
    expect(statement.lines.items.map((line) => [line.peerMentorId, line.count, line.owed, line.paid, line.outstanding])).toEqual([
      [M1, 16, "1500.00", "0.00", "1500.00"],
      [M2, 4, "500.00", "0.00", "500.00"],
      [M4, 1, "0.00", "0.00", "0.00"],
    ]);
    expect(statement.lines.items[0]?.tiers.map((tier) => [tier.recordId, tier.amountDue])).toEqual([
      [ids.m1Office, "500.00"],
      [ids.m1Higher, "1000.00"],
    ]);
    expect(statement.totals).toMatchObject({ mentors: 3, owed: "2000.00", outstanding: "2000.00" });
    const all = await api.client(admin).statements.period.query({ ...period, pageSize: 2 });
    expect([all.lines.total, all.lines.pageCount, all.lines.items.length, all.totals.owed]).toEqual([4, 2, 2, "2500.00"]);
    const last = await api.client(admin).statements.period.query({ periodType: "calendar_year", periodKey: "2025" });
    expect(last.lines.items.map((line) => [line.peerMentorId, line.owed])).toEqual([[M1, "500.00"]]);
  });

  it("exports the whole statement as a CSV file", async () => {
    const token = await signToken(coordinatorA);
    const input = encodeURIComponent(JSON.stringify(period));
    const file = await fetch(`${api.url.replace(/\/trpc$/, "")}/files/statements.exportCsv?input=${input}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(file.status).toBe(200);
    expect(file.headers.get("content-disposition")).toBe(`attachment; filename="statement-${ORG}-calendar_year-2026.csv"`);
    const rows = (await file.text()).trimEnd().split("\r\n");
    expect(rows[0]).toBe("# honorarium-tracker statement v2");
    expect(rows).toContain(
      `${M1},${A},calendar_year,2026,16,0,Kontorhonorar;Høyere sats,${ids.m1Office};${ids.m1Higher},1500.00,0.00,1500.00,0.00,NOK`,
    );
    expect(rows).toHaveLength(3 + 3);
  });

  it("refuses a period key of the wrong shape, scopes not coordinated, and peer mentors", async () => {
    const wrong = await errorOf(api.client(admin).statements.period.query({ periodType: "half_year", periodKey: "2026" }));
    expect(wrong.data?.httpStatus).toBe(400);
    expect(wrong.data?.fieldErrors).toHaveProperty("periodKey");
    expect(await outcome(api.client(coordinatorA).statements.period.query({ ...period, scopeIds: [B] }))).toBe("FORBIDDEN");
    expect(await outcome(api.client({ sub: M1, org: ORG, roles: ["peer_mentor"] }).statements.period.query(period))).toBe("FORBIDDEN");
  });
});

describe("payout batches", () => {
  it("previews, creates, exports, refuses single moves, is redone by release, and is marked paid", async () => {
    const coordinator = api.client(coordinatorA);
    const preview = await coordinator.payouts.preview.query({ ...period, paidOn: "2026-11-20" });
    expect(preview.lines.map((line) => [line.peerMentorId, line.amount, line.recordIds.length])).toEqual(
      [
        [M1, "1500.00", 2],
        [M2, "500.00", 1],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
    expect(preview.totalAmount).toBe("2000.00");
    // M1 would go from 0 to 1,500 against a 1,200 limit in the income year of payment.
    expect(preview.taxWarnings).toEqual([
      { peerMentorId: M1, incomeYear: 2026, before: "0.00", after: "1500.00", taxFreeLimit: "1200.00" },
    ]);
    expect(await database.db("payout_batches").where({ organization_id: ORG })).toHaveLength(0);

    const created = await coordinator.payouts.create.mutate({ ...period, paidOn: "2026-11-20" });
    expect(created.batch).toMatchObject({ status: "processing", recordCount: 3, mentorCount: 2, totalAmount: "2000.00" });
    const statuses = await database
      .db("honorarium_records")
      .whereIn("id", [ids.m1Office, ids.m1Higher, ids.m2Office])
      .pluck("payment_status");
    expect(statuses).toEqual(["processing", "processing", "processing"]);
    // Nothing left to batch in scope A for 2026.
    expect(await outcome(coordinator.payouts.create.mutate(period))).toBe("PRECONDITION_FAILED");
    // A record in a batch moves only with its batch.
    const single = await errorOf(coordinator.payments.transition.mutate({ recordId: ids.m2Office, to: "paid" }));
    expect([single.data?.code, single.data?.rule]).toEqual(["CONFLICT", "record_in_payout_batch"]);
    // Coordinator B cannot see, export or pay it.
    expect(await outcome(api.client(coordinatorB).payouts.get.query({ batchId: created.batch.id }))).toBe("FORBIDDEN");

    const exported = await coordinator.payouts.export.query({ batchId: created.batch.id });
    const rows = exported.csv.trimEnd().split("\r\n");
    expect(rows[0]).toBe("# honorarium-tracker payout-batch v1");
    expect(rows[2]).toBe("batch_id,peer_mentor_id,payee_reference,amount,currency,periods,tier_names,record_ids");
    expect(rows).toContain(
      `${created.batch.id},${M1},HR-10042,1500.00,NOK,calendar_year:2026,Kontorhonorar;Høyere sats,${ids.m1Office};${ids.m1Higher}`,
    );

    // Payroll refused the file: the batch is released and redone; the records never went back to pending.
    const released = await coordinator.payouts.release.mutate({ batchId: created.batch.id, reason: "payroll rejected the file" });
    expect(released.batch.status).toBe("released");
    expect(await database.db("honorarium_records").where({ id: ids.m2Office }).first("payment_status")).toEqual({
      payment_status: "processing",
    });
    const redo = await coordinator.payouts.create.mutate({ recordIds: [ids.m1Office, ids.m1Higher, ids.m2Office], paidOn: "2026-11-20" });
    expect(redo.batch).toMatchObject({ status: "processing", recordCount: 3, totalAmount: "2000.00" });
    expect(await outcome(coordinator.payouts.release.mutate({ batchId: created.batch.id, reason: "again" }))).toBe("CONFLICT");

    const paid = await coordinator.payouts.markPaid.mutate({
      batchId: redo.batch.id,
      paymentReference: "LØNN-2026-11",
      paidOn: "2026-11-20",
    });
    expect(paid.batch).toMatchObject({ status: "paid", paidOn: "2026-11-20", paymentReference: "LØNN-2026-11" });
    const rowsPaid = await database
      .db("honorarium_records")
      .whereIn("id", [ids.m1Office, ids.m1Higher])
      .orderBy("threshold_assignment_number")
      .select("payment_status", "amount_paid", database.db.raw("(payment_processed_at at time zone 'Europe/Oslo')::date::text as paid_on"));
    expect(rowsPaid).toEqual([
      { payment_status: "paid", amount_paid: "500.00", paid_on: "2026-11-20" },
      { payment_status: "paid", amount_paid: "1000.00", paid_on: "2026-11-20" },
    ]);
    expect(
      await outcome(coordinator.payouts.markPaid.mutate({ batchId: redo.batch.id, paymentReference: "x", paidOn: "2026-11-21" })),
    ).toBe("CONFLICT");

    const statement = await coordinator.statements.period.query(period);
    expect(statement.totals).toMatchObject({ owed: "2000.00", paid: "2000.00", outstanding: "0.00" });

    // Tax follows the year of payment: M1's 1,500 paid on 2026-11-20, plus last year's 500 still owed (projected).
    const standing = (await coordinator.counts.forMentor.query({ peerMentorId: M1 })).taxFree;
    expect(standing).toMatchObject({
      incomeYear: 2026,
      paidInYear: "1500.00",
      projectedNotYetPaid: "500.00",
      honorariumYearToDate: "2000.00",
      status: "over",
    });
    const board = await coordinator.counts.dashboard.query({});
    expect(board.nearTaxFreeLimit.items.map((entry) => [entry.peerMentorId, entry.status])).toEqual([[M1, "over"]]);

    // The audit trail: created (pending → processing), released, batched again, paid with the reference.
    const trail = await coordinator.payments.history.query({ recordId: ids.m1Higher });
    expect(trail.items.map((entry) => [entry.from, entry.to, entry.batchId, entry.paymentReference, entry.actorId])).toEqual([
      ["processing", "paid", redo.batch.id, "LØNN-2026-11", coordinatorA.sub],
      ["processing", "processing", redo.batch.id, null, coordinatorA.sub],
      ["processing", "processing", created.batch.id, null, coordinatorA.sub],
      ["pending", "processing", created.batch.id, null, coordinatorA.sub],
    ]);
    const listed = await api.client(admin).payouts.list.query({});
    expect(listed.items.map((batch) => batch.status).sort()).toEqual(["paid", "released"]);
  });

  it("two coordinators batching the same records at once: each record lands in exactly one batch", async () => {
    const org = randomUUID();
    const scope = randomUUID();
    const records: string[] = [];
    for (let i = 0; i < 40; i++)
      records.push(await seedRecord(database.db, { organizationId: org, scopeId: scope, peerMentorId: randomUUID(), fiscalYear: 2026 }));
    const first = api.client({ sub: randomUUID(), org, roles: ["coordinator"], scopes: [scope] });
    const second = api.client({ sub: randomUUID(), org, roles: ["org_admin"] });
    const results = await Promise.allSettled([
      first.payouts.create.mutate({ recordIds: records.slice(0, 30) }),
      second.payouts.create.mutate({ recordIds: records.slice(10, 40) }),
      second.payouts.create.mutate({ periodType: "calendar_year", periodKey: "2026" }),
    ]);
    const lines: { record_id: string; batch_id: string }[] = await database.db("payout_batch_records").where({ organization_id: org });
    expect(new Set(lines.map((line) => line.record_id)).size).toBe(lines.length);
    expect(lines.length).toBe(40);
    const batched = results.filter((result) => result.status === "fulfilled");
    expect(batched.length).toBeGreaterThan(0);
    for (const result of results)
      if (result.status === "rejected")
        expect(["CONFLICT", "PRECONDITION_FAILED"]).toContain(String((result.reason as { data?: { code?: string } }).data?.code));
    expect(
      await database.db("honorarium_records").where({ organization_id: org, payment_status: "processing" }).count("* as n").first(),
    ).toEqual({ n: 40 });
  });

  it("bad input gets field errors, never a 500", async () => {
    const nothing = await errorOf(api.client(admin).payouts.preview.query({}));
    expect(nothing.data?.fieldErrors).toHaveProperty("recordIds");
    const half = await errorOf(api.client(admin).payouts.preview.query({ periodType: "calendar_year" }));
    expect(half.data?.fieldErrors).toHaveProperty("periodKey");
    const date = await errorOf(
      api.client(admin).payouts.markPaid.mutate({ batchId: randomUUID(), paymentReference: "r", paidOn: "20.11.2026" }),
    );
    expect(date.data?.fieldErrors).toHaveProperty("paidOn");
    expect(await outcome(api.client(admin).payouts.get.query({ batchId: randomUUID() }))).toBe("NOT_FOUND");
    expect(await outcome(api.client(admin).payments.history.query({}))).toBe("BAD_REQUEST");
  });
});

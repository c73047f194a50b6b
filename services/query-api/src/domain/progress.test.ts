import { type ThresholdTier, localDateOf } from "@honorarium/shared/domain";
import { thresholdTier } from "@honorarium/shared/testing/fixtures";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { APPROACHING_WITHIN, approachingEntries, shapeDashboard } from "./dashboard.ts";
import { crossingFixture } from "./crossing.fixture.ts";
import {
  countOver,
  countsTowardIncomeYear,
  currentPeriods,
  incomeYearBasis,
  incomeYearWindow,
  openingBalanceOf,
  periodProgress,
  taxFreeStanding,
} from "./progress.ts";

const tier = (fields: Partial<ThresholdTier>): ThresholdTier => thresholdTier({ configId: "c", name: "Office", ...fields });
const office = tier({ configId: "office" });
const higher = tier({
  configId: "higher",
  name: "Higher",
  thresholdCount: 15,
  honorariumAmount: "1500.00",
  tierOrder: 2,
  thresholdLevel: "higher_rate",
});
const monthly = tier({ configId: "monthly", name: "Monthly", thresholdCount: 4, periodType: "month" });

const crossing = crossingFixture;

describe("current periods", () => {
  it("one per period type in effect, keyed in the organization's zone", () => {
    // 2026-06-30T22:30Z is already July in Oslo.
    const periods = currentPeriods([office, higher, monthly], new Date("2026-06-30T22:30:00Z"), "Europe/Oslo");
    expect(periods.map((p) => [p.periodType, p.periodKey, p.monthKeys.length, p.tiers.map((t) => t.configId)])).toEqual([
      ["calendar_year", "2026", 12, ["office", "higher"]],
      ["month", "2026-07", 1, ["monthly"]],
    ]);
  });
  it("ignores tiers not yet effective", () => {
    const future = tier({ configId: "future", effectiveFrom: new Date("2027-01-01T00:00:00Z"), periodType: "quarter" });
    expect(currentPeriods([office, future], new Date("2026-06-01T00:00:00Z"), "Europe/Oslo").map((p) => p.periodType)).toEqual([
      "calendar_year",
    ]);
  });
});

describe("period progress", () => {
  const [year] = currentPeriods([office, higher], new Date("2026-06-01T00:00:00Z"), "Europe/Oslo");
  it("does not mark a tier reached by count alone: one added below the count has no record and owes nothing", () => {
    if (year === undefined) throw new Error("no period");
    const progress = periodProgress(year, 16, [crossing({ id: "rec", configId: "higher", tierOrder: 2, amountDue: "1500.00" })]);
    expect(progress.tiers.map((t) => [t.configId, t.reached, t.recordId, t.amountDue])).toEqual([
      ["office", false, null, null],
      ["higher", true, "rec", "1500.00"],
    ]);
  });
  it("marks tiers reached by a crossing (which survives a cancellation)", () => {
    if (year === undefined) throw new Error("no period");
    const progress = periodProgress(year, 2, [crossing({ id: "rec" })]);
    expect(progress.tiers.map((t) => [t.configId, t.reached, t.recordId])).toEqual([
      ["office", true, "rec"],
      ["higher", false, null],
    ]);
    expect(progress.next?.configId).toBe("office");
    expect(progress.remaining).toBe(1);
    const done = periodProgress(year, 20, []);
    expect(done.next).toBeNull();
    expect(done.remaining).toBeNull();
  });
  it("sums only the period's months", () => {
    const rows = [
      { scopeId: null, peerMentorId: "m", monthKey: "2026-01", confirmedCount: 2 },
      { scopeId: null, peerMentorId: "m", monthKey: "2025-12", confirmedCount: 9 },
    ];
    expect(countOver(rows, year?.monthKeys ?? [])).toBe(2);
  });
});

describe("the income year's honorarium (cash principle)", () => {
  it("counts paid money in the year it was paid and projects what is owed and unpaid into this year", () => {
    const records = [
      // Earned in 2025, paid in January 2026 (Oslo): counts in 2026.
      crossing({
        id: "a",
        fiscalYear: 2025,
        periodKey: "2025",
        paymentStatus: "paid",
        paymentProcessedAt: "2026-01-05T10:00:00.000Z",
        amountPaid: "500.00",
      }),
      // Paid at 23:30Z on 31 December 2025: already 2026 in Oslo.
      crossing({ id: "b", paymentStatus: "paid", paymentProcessedAt: "2025-12-31T23:30:00.000Z", amountDue: "300.00" }),
      // Paid in 2025: not this year.
      crossing({ id: "c", paymentStatus: "paid", paymentProcessedAt: "2025-06-01T10:00:00.000Z", amountPaid: "700.00" }),
      crossing({ id: "d", paymentStatus: "pending", amountDue: "1000.00" }),
      crossing({ id: "e", paymentStatus: "processing", amountDue: "200.00", fiscalYear: 2024 }),
      crossing({ id: "f", paymentStatus: "cancelled", amountDue: "0.00" }),
    ];
    expect(incomeYearBasis(records, incomeYearWindow(2026, "Europe/Oslo"))).toEqual({ paid: "800.00", notYetPaid: "1200.00" });
    expect(incomeYearBasis(records, incomeYearWindow(2025, "Europe/Oslo"))).toEqual({ paid: "700.00", notYetPaid: "1200.00" });
  });
  it("a payment counts toward exactly the income year of its local date, in any zone", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true }),
        fc.constantFrom("Europe/Oslo", "UTC", "Pacific/Kiritimati", "America/St_Johns"),
        fc.integer({ min: -1, max: 1 }),
        (paidAt, timeZone, offset) => {
          const year = localDateOf(paidAt, timeZone).year + offset;
          const paid = { paymentStatus: "paid" as const, paymentProcessedAt: paidAt.toISOString() };
          expect(countsTowardIncomeYear(paid, incomeYearWindow(year, timeZone))).toBe(offset === 0);
        },
      ),
    );
  });
  it("tax standing: below, near (from the ratio), over", () => {
    expect(taxFreeStanding(2026, { paid: "500.00", notYetPaid: "0.00" }, "10000.00", 0.8).status).toBe("below");
    expect(taxFreeStanding(2026, { paid: "8000.00", notYetPaid: "0.00" }, "10000.00", 0.8)).toEqual({
      incomeYear: 2026,
      honorariumYearToDate: "8000.00",
      paidInYear: "8000.00",
      projectedNotYetPaid: "0.00",
      taxFreeLimit: "10000.00",
      remaining: "2000.00",
      status: "near",
    });
    expect(taxFreeStanding(2026, { paid: "10000.00", notYetPaid: "0.00" }, "10000.00", 0.8).status).toBe("near");
    expect(taxFreeStanding(2026, { paid: "10000.01", notYetPaid: "0.00" }, "10000.00", 0.8)).toMatchObject({
      status: "over",
      remaining: "0.00",
    });
    expect(taxFreeStanding(2026, { paid: "0.00", notYetPaid: "0.00" }, "0.00", 0.8).status).toBe("below");
  });
});

describe("dashboard classification", () => {
  const [year] = currentPeriods([office, higher], new Date("2026-06-01T00:00:00Z"), "Europe/Oslo");
  const periods = year === undefined ? [] : [year];
  const row = (peerMentorId: string, count: number) => ({ scopeId: "s", peerMentorId, counts: [count] });
  it(`approaching means at most ${APPROACHING_WITHIN} to go`, () => {
    const entries = approachingEntries(
      [row("zero", 0), row("one", 1), row("two", 2), row("thirteen", 13), row("twelve", 12), row("all", 15)],
      periods,
    );
    expect(entries.map((e) => [e.peerMentorId, e.remaining]).sort()).toEqual([
      ["one", 2],
      ["thirteen", 2],
      ["two", 1],
    ]);
  });
  it("all up to date when every section is empty; sorted and paginated otherwise", () => {
    const empty = shapeDashboard(
      { approaching: [], pendingPayments: [], flagged: [], nearTax: [] },
      { page: 1, pageSize: 10, sortBy: "urgency", direction: "asc" },
    );
    expect(empty.allUpToDate).toBe(true);
    const view = shapeDashboard(
      {
        approaching: approachingEntries([row("a", 1), row("b", 2), row("c", 13)], periods),
        pendingPayments: [crossing({})],
        flagged: [],
        nearTax: [],
      },
      { page: 1, pageSize: 2, sortBy: "urgency", direction: "asc" },
    );
    expect(view.allUpToDate).toBe(false);
    expect(view.approaching.items.map((e) => e.peerMentorId)).toEqual(["b", "c"]);
    expect(view.approaching).toMatchObject({ total: 3, pageCount: 2 });
    expect(view.actionRequired.items.map((e) => e.recordId)).toEqual(["r"]);
  });
});

describe("opening balances in period counts", () => {
  const balances = [
    { scopeId: "s1", peerMentorId: "m1", periodType: "calendar_year" as const, periodKey: "2026", assignmentCount: 13 },
    { scopeId: null, peerMentorId: "m2", periodType: "half_year" as const, periodKey: "2026-H1", assignmentCount: 2 },
    { scopeId: "s1", peerMentorId: "m1", periodType: "calendar_year" as const, periodKey: "2025", assignmentCount: 40 },
  ];

  it("finds one (scope, period)'s balance and 0 where none was imported", () => {
    expect(openingBalanceOf(balances, "s1", "calendar_year", "2026")).toBe(13);
    expect(openingBalanceOf(balances, null, "calendar_year", "2026")).toBe(0);
  });
});

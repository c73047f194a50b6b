import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type EntitledRecord, amountsDue, amountsDueByRecord } from "./entitlement.ts";
import { toMinorUnits } from "./money.ts";

const office: EntitledRecord = { id: "office", thresholdCount: 3, tierOrder: 1, amount: "500.00", isCumulative: false, cancelled: false };
const higher: EntitledRecord = { id: "higher", thresholdCount: 15, tierOrder: 2, amount: "1500.00", isCumulative: false, cancelled: false };
const dues = (records: EntitledRecord[]) => Object.fromEntries(amountsDue(records).amountDue);

describe("what is owed (one rule)", () => {
  it("Blindeforbundet: the higher rate replaces the office honorarium and owes the top-up", () => {
    expect(amountsDue([office, higher]).entitlement).toBe("1500.00");
    expect(dues([higher, office])).toEqual({ office: "500.00", higher: "1000.00" });
    expect(amountsDue([office]).entitlement).toBe("500.00");
  });

  it("cumulative tiers add up", () => {
    const tiers = [office, higher].map((tier) => ({ ...tier, isCumulative: true }));
    expect(amountsDue(tiers).entitlement).toBe("2000.00");
    expect(dues(tiers)).toEqual({ office: "500.00", higher: "1500.00" });
  });

  it("mixed flags: the higher tier's own flag decides", () => {
    expect(dues([office, { ...higher, isCumulative: true }])).toEqual({ office: "500.00", higher: "1500.00" });
    expect(dues([{ ...office, isCumulative: true }, higher])).toEqual({ office: "500.00", higher: "1000.00" });
  });

  it("a cancelled lower tier owes nothing and the later tier owes its whole amount", () => {
    const result = amountsDue([{ ...office, cancelled: true }, higher]);
    expect(result.entitlement).toBe("1500.00");
    expect(Object.fromEntries(result.amountDue)).toEqual({ office: "0.00", higher: "1500.00" });
  });

  it("a replacing tier below what is already owed takes nothing back", () => {
    expect(dues([office, { ...higher, amount: "300.00" }])).toEqual({ office: "500.00", higher: "0.00" });
  });

  it("nothing crossed: nothing owed", () => {
    expect(amountsDue([]).entitlement).toBe("0.00");
  });

  it("keeps groups apart", () => {
    const key = { organizationId: "o", scopeId: null, peerMentorId: "m", periodType: "calendar_year" };
    const due = amountsDueByRecord([
      { ...office, ...key, periodKey: "2025" },
      { ...higher, ...key, periodKey: "2025" },
      { ...higher, id: "higher-2026", ...key, periodKey: "2026" },
    ]);
    expect(Object.fromEntries(due)).toEqual({ office: "500.00", higher: "1000.00", "higher-2026": "1500.00" });
  });
});

const recordArb = fc.record({
  thresholdCount: fc.integer({ min: 1, max: 40 }),
  tierOrder: fc.integer({ min: 1, max: 6 }),
  amount: fc.integer({ min: 0, max: 500_000 }).map((minor) => `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, "0")}`),
  isCumulative: fc.boolean(),
  cancelled: fc.boolean(),
});
const groupArb = fc
  .array(recordArb, { maxLength: 8 })
  .map((records) => records.map((record, i): EntitledRecord => ({ ...record, id: `r${i}` })));

describe("what is owed: invariants over random tier sets, orders and flags", () => {
  it("the amounts due of the records not cancelled sum to the entitlement", () => {
    fc.assert(
      fc.property(groupArb, (records) => {
        const { entitlement, amountDue } = amountsDue(records);
        const sum = records.filter((r) => !r.cancelled).reduce((total, r) => total + toMinorUnits(amountDue.get(r.id) ?? "x"), 0n);
        expect(sum).toBe(toMinorUnits(entitlement));
      }),
    );
  });

  it("no record owes less than nothing, a cancelled one owes nothing, and the order records arrive in changes nothing", () => {
    fc.assert(
      fc.property(groupArb, fc.integer(), (records, seed) => {
        const { amountDue, entitlement } = amountsDue(records);
        for (const record of records) {
          expect(toMinorUnits(amountDue.get(record.id) ?? "x")).toBeGreaterThanOrEqual(0n);
          if (record.cancelled) expect(amountDue.get(record.id)).toBe("0.00");
        }
        const shuffled = [...records].sort((a, b) => ((a.id.charCodeAt(1) * seed) % 7) - ((b.id.charCodeAt(1) * seed) % 7));
        expect(amountsDue(shuffled)).toEqual({ entitlement, amountDue });
      }),
    );
  });

  it("never owes more than all the amounts together, nor less than the highest tier not cancelled", () => {
    fc.assert(
      fc.property(groupArb, (records) => {
        const live = records.filter((r) => !r.cancelled).map((r) => toMinorUnits(r.amount));
        const owed = toMinorUnits(amountsDue(records).entitlement);
        expect(owed).toBeLessThanOrEqual(live.reduce((a, b) => a + b, 0n));
        expect(owed).toBeGreaterThanOrEqual(live.reduce((a, b) => (b > a ? b : a), 0n));
      }),
    );
  });

  it("all tiers cumulative: the sum; none cumulative: the highest", () => {
    fc.assert(
      fc.property(groupArb, fc.boolean(), (records, cumulative) => {
        const uniform = records.map((r) => ({ ...r, isCumulative: cumulative }));
        const live = uniform.filter((r) => !r.cancelled).map((r) => toMinorUnits(r.amount));
        const expected = cumulative ? live.reduce((a, b) => a + b, 0n) : live.reduce((a, b) => (b > a ? b : a), 0n);
        expect(toMinorUnits(amountsDue(uniform).entitlement)).toBe(expected);
      }),
    );
  });
});

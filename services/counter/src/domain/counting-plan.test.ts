import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ThresholdTier } from "@honorarium/shared/domain";
import { thresholdTier } from "@honorarium/shared/testing/fixtures";
import {
  type CountingEvent,
  type CountingState,
  type LedgerEntry,
  countKey,
  countYearsNeeded,
  ledgerKey,
  openingBalanceKey,
  planCountingBatch,
} from "./counting-plan.ts";

const ORG = "11111111-1111-4111-8111-111111111111";
const SCOPE = "22222222-2222-4222-8222-222222222222";
const MENTOR = "33333333-3333-4333-8333-333333333333";
const COORD = "44444444-4444-4444-8444-444444444444";
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

function tier(count: number, order: number, extra: Partial<ThresholdTier> = {}): ThresholdTier {
  return thresholdTier({
    configId: uuid(900 + order),
    name: `tier ${order}`,
    thresholdCount: count,
    tierOrder: order,
    thresholdLevel: "custom",
    ...extra,
  });
}

let offset = 0;
const confirm = (assignment: number, confirmedAt: string, scopeId: string | null = SCOPE): CountingEvent => ({
  kind: "confirmed",
  offset: String(offset++),
  event: {
    eventId: uuid(5000 + offset),
    assignmentId: uuid(assignment),
    peerMentorId: MENTOR,
    organizationId: ORG,
    scopeId,
    coordinatorId: COORD,
    confirmedAt,
  },
});
const cancel = (assignment: number, organizationId = ORG): CountingEvent => ({
  kind: "cancelled",
  offset: String(offset++),
  event: {
    eventId: uuid(7000 + offset),
    assignmentId: uuid(assignment),
    peerMentorId: MENTOR,
    organizationId,
    cancelledAt: "2026-06-01T00:00:00Z",
  },
});

function state(overrides: Partial<CountingState> = {}): CountingState {
  return {
    ledger: new Map(),
    monthCounts: new Map(),
    tiersByOrganization: new Map([[ORG, [tier(3, 1), tier(15, 2)]]]),
    timeZones: new Map([[ORG, "Europe/Oslo"]]),
    ...overrides,
  };
}

let ids = 0;
const newId = () => uuid(100_000 + ids++);

describe("planCountingBatch", () => {
  it("counts in offset order and names the assignment whose increment reached the threshold", () => {
    const events = [1, 2, 3, 4].map((n) => confirm(n, `2026-02-0${n}T10:00:00Z`));
    const plan = planCountingBatch(state(), events, newId);
    expect(plan.countWrites).toEqual([{ organizationId: ORG, scopeId: SCOPE, peerMentorId: MENTOR, monthKey: "2026-02", count: 4 }]);
    expect(plan.crossings).toHaveLength(1);
    expect(plan.crossings[0]).toMatchObject({ triggerAssignmentId: uuid(3), assignmentCount: 3, periodKey: "2026", fiscalYear: 2026 });
    expect(plan.outcomes.map((o) => o.outcome)).toEqual(["counted", "counted", "counted", "counted"]);
  });

  it("adds to counts already stored across the period's months", () => {
    const monthCounts = new Map([
      [countKey(ORG, SCOPE, MENTOR, "2026-01"), 10],
      [countKey(ORG, SCOPE, MENTOR, "2026-05"), 4],
      [countKey(ORG, SCOPE, MENTOR, "2025-12"), 50],
    ]);
    const plan = planCountingBatch(state({ monthCounts }), [confirm(1, "2026-06-01T10:00:00Z")], newId);
    expect(plan.crossings.map((c) => c.assignmentCount)).toEqual([15]);
  });

  it("treats a repeat confirmation (also under a new eventId) inside one batch as a duplicate", () => {
    const first = confirm(1, "2026-02-01T10:00:00Z");
    const again = { ...first, offset: "99", event: { ...first.event, eventId: uuid(4242) } } as CountingEvent;
    const plan = planCountingBatch(state(), [first, again], newId);
    expect(plan.outcomes.map((o) => o.outcome)).toEqual(["counted", "duplicate"]);
    expect(plan.countWrites[0]?.count).toBe(1);
  });

  it("a confirm, a cancel and a confirm in one batch: the cancel flags, the second increment re-reaches without a new crossing being skipped", () => {
    const events = [
      confirm(1, "2026-02-01T10:00:00Z"),
      confirm(2, "2026-02-02T10:00:00Z"),
      confirm(3, "2026-02-03T10:00:00Z"),
      cancel(2),
      confirm(4, "2026-02-04T10:00:00Z"),
    ];
    const plan = planCountingBatch(state(), events, newId);
    expect(plan.countWrites[0]?.count).toBe(3);
    // Both increments to 3 are planned; the database's unique crossing index keeps only the first.
    expect(plan.crossings.map((c) => c.triggerAssignmentId)).toEqual([uuid(3), uuid(4)]);
    expect(plan.reviewChecks.find((r) => r.periodType === "calendar_year")).toMatchObject({ periodKey: "2026", lowestCount: 2 });
    expect([...plan.ledgerInserts, ...plan.ledgerUpdates].find((e) => e.assignmentId === uuid(2))?.state).toBe("cancelled");
  });

  it("cancel before confirm leaves a tombstone; the late confirmation is remembered but not counted", () => {
    const plan = planCountingBatch(state(), [cancel(7), confirm(7, "2026-02-01T10:00:00Z")], newId);
    expect(plan.outcomes.map((o) => o.outcome)).toEqual(["tombstoned", "suppressed"]);
    expect(plan.countWrites).toEqual([]);
    expect([...plan.ledgerInserts, ...plan.ledgerUpdates][0]).toMatchObject({
      state: "cancelled",
      monthKey: "2026-02",
      confirmedAt: "2026-02-01T10:00:00Z",
    });
  });

  it("decrements the month stored in the ledger and checks every period type for review", () => {
    const entry: LedgerEntry = {
      assignmentId: uuid(8),
      peerMentorId: MENTOR,
      organizationId: ORG,
      scopeId: SCOPE,
      coordinatorId: COORD,
      state: "counted",
      confirmedAt: "2026-04-10T10:00:00Z",
      monthKey: "2026-04",
      activityDate: "2026-04-10",
      cancelledAt: null,
      confirmEventId: uuid(1),
      cancelEventId: null,
      cancelReason: null,
    };
    const ledger = new Map([[ledgerKey(uuid(8), MENTOR), entry]]);
    const monthCounts = new Map([[countKey(ORG, SCOPE, MENTOR, "2026-04"), 3]]);
    const plan = planCountingBatch(state({ ledger, monthCounts }), [cancel(8), cancel(8)], newId);
    expect(plan.outcomes.map((o) => o.outcome)).toEqual(["cancelled", "duplicate"]);
    expect(plan.countWrites[0]?.count).toBe(2);
    expect(plan.reviewChecks.map((r) => r.periodKey).sort()).toEqual(["2026", "2026-04", "2026-H1", "2026-Q2"]);
  });

  it("rejects a cancellation naming another organization than the confirmed assignment", () => {
    const ledger = new Map([
      [
        ledgerKey(uuid(9), MENTOR),
        {
          assignmentId: uuid(9),
          peerMentorId: MENTOR,
          organizationId: ORG,
          scopeId: null,
          coordinatorId: COORD,
          state: "counted" as const,
          confirmedAt: "2026-04-10T10:00:00Z",
          monthKey: "2026-04",
          activityDate: "2026-04-10",
          cancelledAt: null,
          confirmEventId: uuid(1),
          cancelEventId: null,
          cancelReason: null,
        },
      ],
    ]);
    const plan = planCountingBatch(state({ ledger }), [cancel(9, uuid(12345))], newId);
    expect(plan.rejections).toHaveLength(1);
    expect(plan.countWrites).toEqual([]);
  });

  it("rejects a confirmation whose year cannot be recorded", () => {
    const plan = planCountingBatch(state(), [confirm(50, "1999-06-01T10:00:00Z")], newId);
    expect(plan.rejections[0]?.reason).toMatch(/outside the supported years/);
    expect(plan.countWrites).toEqual([]);
  });

  it("uses the organization's time zone for the month: 2025-12-31T23:30Z is January 2026 in Oslo, December in UTC", () => {
    const oslo = planCountingBatch(state(), [confirm(20, "2025-12-31T23:30:00Z")], newId);
    expect(oslo.countWrites[0]?.monthKey).toBe("2026-01");
    const utc = planCountingBatch(state({ timeZones: new Map([[ORG, "UTC"]]) }), [confirm(21, "2025-12-31T23:30:00Z")], newId);
    expect(utc.countWrites[0]?.monthKey).toBe("2025-12");
  });

  it("applies only tiers effective at confirmedAt, per period type, and counts an organization without tiers", () => {
    const tiers = [tier(1, 1, { effectiveFrom: new Date("2026-03-01T00:00:00Z") }), tier(1, 2, { periodType: "month" })];
    const plan = planCountingBatch(state({ tiersByOrganization: new Map([[ORG, tiers]]) }), [confirm(30, "2026-02-10T10:00:00Z")], newId);
    expect(plan.crossings.map((c) => [c.periodType, c.periodKey])).toEqual([["month", "2026-02"]]);
    const none = planCountingBatch(state({ tiersByOrganization: new Map() }), [confirm(31, "2026-02-10T10:00:00Z")], newId);
    expect(none.crossings).toEqual([]);
    expect(none.countWrites[0]?.count).toBe(1);
  });

  it("lists the (organization, mentor, year) counts to load, using the ledger's month for cancellations", () => {
    const needed = countYearsNeeded([confirm(40, "2025-12-31T23:30:00Z"), cancel(41)], new Map(), new Map([[ORG, "Europe/Oslo"]]));
    expect(needed).toEqual([{ organizationId: ORG, peerMentorId: MENTOR, year: "2026" }]);
  });
});

describe("planCountingBatch with opening balances", () => {
  const balance = (count: number, scopeId: string | null = SCOPE, periodKey = "2026") =>
    new Map([[openingBalanceKey(ORG, scopeId, MENTOR, "calendar_year", periodKey), count]]);

  it("continues from the balance: balance 13 with tier 15, the 2nd counted assignment crosses", () => {
    const events = [1, 2, 3].map((n) => confirm(n, `2026-03-0${n}T10:00:00Z`));
    const plan = planCountingBatch(state({ openingBalances: balance(13) }), events, newId);
    expect(plan.crossings).toHaveLength(1);
    expect(plan.crossings[0]).toMatchObject({ triggerAssignmentId: uuid(2), assignmentCount: 15, periodKey: "2026" });
    expect(plan.crossings[0]?.tier.thresholdCount).toBe(15);
    // The month counts stay what the system counted: the balance is not a month's.
    expect(plan.countWrites).toEqual([expect.objectContaining({ monthKey: "2026-03", count: 3 })]);
  });

  it("never crosses a tier the balance already reaches", () => {
    const plan = planCountingBatch(state({ openingBalances: balance(3) }), [confirm(1, "2026-03-01T10:00:00Z")], newId);
    expect(plan.crossings).toEqual([]);
  });

  it("applies a balance only to its own scope and period", () => {
    const otherScope = planCountingBatch(
      state({ openingBalances: balance(13, null) }),
      [1, 2, 3].map((n) => confirm(n, `2026-03-0${n}T10:00:00Z`)),
      newId,
    );
    expect(otherScope.crossings.map((c) => c.tier.thresholdCount)).toEqual([3]);
    const otherYear = planCountingBatch(
      state({ openingBalances: balance(13, SCOPE, "2025") }),
      [1, 2, 3].map((n) => confirm(n, `2026-03-0${n}T10:00:00Z`)),
      newId,
    );
    expect(otherYear.crossings.map((c) => c.tier.thresholdCount)).toEqual([3]);
  });

  it("a cancellation is judged against balance + counted", () => {
    const first = planCountingBatch(state({ openingBalances: balance(14) }), [confirm(1, "2026-03-01T10:00:00Z")], newId);
    expect(first.crossings.map((c) => c.assignmentCount)).toEqual([15]);
    const ledger = new Map(
      [...first.ledgerInserts, ...first.ledgerUpdates].map((entry) => [ledgerKey(entry.assignmentId, entry.peerMentorId), entry]),
    );
    const monthCounts = new Map([[countKey(ORG, SCOPE, MENTOR, "2026-03"), 1]]);
    const second = planCountingBatch(state({ openingBalances: balance(14), ledger, monthCounts }), [cancel(1)], newId);
    expect(second.reviewChecks).toContainEqual(
      expect.objectContaining({ periodType: "calendar_year", periodKey: "2026", lowestCount: 14 }),
    );
  });

  it("for any tiers, balance and batch: each tier above the balance crosses once, at assignment (threshold - balance) (property)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 25 }),
        (thresholds, opening, n) => {
          const tiers = thresholds.map((count, i) => tier(count, i + 1));
          const events = Array.from({ length: n }, (_, i) => confirm(1000 + i, `2026-03-${String(i + 1).padStart(2, "0")}T10:00:00Z`));
          const plan = planCountingBatch(
            state({ tiersByOrganization: new Map([[ORG, tiers]]), openingBalances: balance(opening) }),
            events,
            newId,
          );
          const expected = thresholds.filter((t) => t > opening && t <= opening + n).sort((a, b) => a - b);
          expect(plan.crossings.map((c) => c.tier.thresholdCount).sort((a, b) => a - b)).toEqual(expected);
          for (const crossing of plan.crossings) {
            expect(crossing.assignmentCount).toBe(crossing.tier.thresholdCount);
            expect(crossing.triggerAssignmentId).toBe(uuid(1000 + crossing.tier.thresholdCount - opening - 1));
          }
        },
      ),
    );
  });

  it("planning confirmations as new and re-planning with the rows their insert found gives the plan of the whole ledger (property)", () => {
    const entryOf = (assignment: number, kind: "counted" | "cancelled" | "tombstone", month: number): LedgerEntry => {
      const monthKey = `2026-${String(month).padStart(2, "0")}`;
      const confirmed = kind === "tombstone" ? null : `${monthKey}-10T10:00:00Z`;
      return {
        assignmentId: uuid(assignment),
        peerMentorId: MENTOR,
        organizationId: ORG,
        scopeId: kind === "tombstone" ? null : SCOPE,
        coordinatorId: kind === "tombstone" ? null : COORD,
        state: kind,
        confirmedAt: confirmed,
        monthKey: confirmed === null ? null : monthKey,
        activityDate: confirmed === null ? null : `${monthKey}-10`,
        cancelledAt: kind === "counted" ? null : "2026-05-01T00:00:00Z",
        confirmEventId: confirmed === null ? null : uuid(8000 + assignment),
        cancelEventId: kind === "counted" ? null : uuid(9000 + assignment),
        cancelReason: null,
      };
    };
    const stored = fc.dictionary(
      fc.integer({ min: 1, max: 6 }).map(String),
      fc.tuple(fc.constantFrom("counted" as const, "cancelled" as const, "tombstone" as const), fc.integer({ min: 1, max: 12 })),
      { maxKeys: 6 },
    );
    const step = fc.oneof(
      fc.tuple(fc.constant("confirm" as const), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 12 })),
      fc.tuple(fc.constant("cancel" as const), fc.integer({ min: 1, max: 6 }), fc.constant(0)),
    );
    fc.assert(
      fc.property(stored, fc.array(step, { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 3 }), (rows, steps, counted) => {
        const whole = new Map(
          Object.entries(rows).map(([n, [kind, month]]) => {
            const entry = entryOf(Number(n), kind, month);
            return [ledgerKey(entry.assignmentId, entry.peerMentorId), entry];
          }),
        );
        const events = steps.map(([kind, n, month]) =>
          kind === "confirm" ? confirm(n, `2026-${String(month).padStart(2, "0")}-15T10:00:00Z`) : cancel(n),
        );
        const monthCounts = new Map([[countKey(ORG, SCOPE, MENTOR, "2026-03"), counted]]);
        const planWith = (ledger: ReadonlyMap<string, LedgerEntry>) => {
          let n = 0;
          return planCountingBatch(state({ ledger, monthCounts }), events, () => uuid(200_000 + n++));
        };
        const keyOf = (entry: LedgerEntry) => ledgerKey(entry.assignmentId, entry.peerMentorId);
        // As the counting handler does: the ledger read for cancellations only, the rest inserted as new.
        const cancelled = new Set(
          events.filter((e) => e.kind === "cancelled").map((e) => ledgerKey(e.event.assignmentId, e.event.peerMentorId)),
        );
        const first = new Map([...whole].filter(([key]) => cancelled.has(key)));
        const optimistic = planWith(first);
        const found = optimistic.ledgerInserts.filter((entry) => whole.has(keyOf(entry)));
        const final =
          found.length === 0
            ? optimistic
            : planWith(new Map([...first, ...found.map((entry) => [keyOf(entry), whole.get(keyOf(entry)) as LedgerEntry] as const)]));
        expect(final).toEqual(planWith(whole));
        const inserted = optimistic.ledgerInserts.filter((entry) => !whole.has(keyOf(entry))).map(keyOf);
        expect(final.ledgerInserts.map(keyOf)).toEqual(inserted);
      }),
      { numRuns: 300 },
    );
  });
});

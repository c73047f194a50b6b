import { randomUUID } from "node:crypto";
import { type ThresholdTier, monthKeysOfPeriod } from "@honorarium/shared/domain";
import { type TestDatabase, thresholdTier } from "@honorarium/shared/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createPostgresCountsRepository } from "../src/adapters/postgres/counts-repository.ts";
import type { Visibility } from "../src/domain/access.ts";
import { APPROACHING_WITHIN, approachingEntries } from "../src/domain/dashboard.ts";
import { type CurrentPeriod, type PeriodCounts, currentPeriods } from "../src/domain/progress.ts";
import { createTestDatabase } from "./helpers.ts";

// The dashboard's "approaching" candidates are chosen in SQL (counted months plus go-live balances,
// kept where a tier is near). Whatever the data, the entries must be exactly those the domain rule
// finds over every row summed here in the test.

const NOW = new Date("2026-05-20T10:00:00Z");
const TIME_ZONE = "Europe/Oslo";
const SCOPES = [randomUUID(), randomUUID(), null];
const MENTORS = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
const PERIOD_TYPES = ["calendar_year", "half_year", "quarter", "month"] as const;

const tier = (periodType: (typeof PERIOD_TYPES)[number], thresholdCount: number, tierOrder: number): ThresholdTier =>
  thresholdTier({
    configId: randomUUID(),
    name: `${periodType} ${thresholdCount}`,
    thresholdCount,
    honorariumAmount: "100.00",
    periodType,
    tierOrder,
    thresholdLevel: "custom",
  });

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase(inject("testServices").databaseUrl);
});
afterAll(async () => {
  await database?.drop();
});

/** Every (scope, mentor) with its per-period sum of months and balances, computed without the database. */
function referenceRows(
  periods: readonly CurrentPeriod[],
  months: readonly { scope: string | null; mentor: string; month: string; count: number }[],
  balances: readonly { scope: string | null; mentor: string; period: number; count: number }[],
  visibility: Visibility,
): PeriodCounts[] {
  const rows = new Map<string, PeriodCounts>();
  const rowOf = (scopeId: string | null, peerMentorId: string) => {
    const key = `${scopeId}/${peerMentorId}`;
    const row = rows.get(key) ?? { scopeId, peerMentorId, counts: periods.map(() => 0) };
    rows.set(key, row);
    return row;
  };
  for (const m of months)
    for (const [i, period] of periods.entries())
      if (period.monthKeys.includes(m.month)) rowOf(m.scope, m.mentor).counts[i] = (rowOf(m.scope, m.mentor).counts[i] ?? 0) + m.count;
  for (const b of balances) rowOf(b.scope, b.mentor).counts[b.period] = (rowOf(b.scope, b.mentor).counts[b.period] ?? 0) + b.count;
  return [...rows.values()].filter(
    (row) => visibility.kind !== "scopes" || row.scopeId === null || visibility.scopeIds.includes(row.scopeId),
  );
}

const byIdentity = (a: { peerMentorId: string; scopeId: string | null; periodType: string }, b: typeof a) =>
  `${a.peerMentorId}${a.scopeId}${a.periodType}`.localeCompare(`${b.peerMentorId}${b.scopeId}${b.periodType}`);

describe("approachingPeriodCounts", () => {
  it("yields exactly the domain rule's approaching entries, for any counts, balances, tiers and scopes", async () => {
    const counts = createPostgresCountsRepository(database.db);
    const yearMonths = monthKeysOfPeriod("calendar_year", "2026");
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.record({ type: fc.constantFrom(...PERIOD_TYPES), threshold: fc.integer({ min: 1, max: 12 }) }), {
          minLength: 1,
          maxLength: 5,
          selector: (t) => `${t.type}/${t.threshold}`,
        }),
        fc.uniqueArray(
          fc.record({
            scope: fc.constantFrom(...SCOPES),
            mentor: fc.constantFrom(...MENTORS),
            month: fc.constantFrom(...yearMonths.slice(0, 5), "2025-12"),
            count: fc.integer({ min: 1, max: 6 }),
          }),
          { maxLength: 25, selector: (m) => `${m.scope}/${m.mentor}/${m.month}` },
        ),
        fc.uniqueArray(
          fc.record({
            scope: fc.constantFrom(...SCOPES),
            mentor: fc.constantFrom(...MENTORS),
            period: fc.nat({ max: 3 }),
            count: fc.integer({ min: 0, max: 12 }),
          }),
          { maxLength: 6, selector: (b) => `${b.scope}/${b.mentor}/${b.period}` },
        ),
        fc.constantFrom<Visibility>({ kind: "organization" }, { kind: "scopes", scopeIds: [SCOPES[0] as string] }),
        async (tierSpecs, months, balanceSpecs, visibility) => {
          const organizationId = randomUUID();
          const periods = currentPeriods(
            tierSpecs.map((t, i) => tier(t.type, t.threshold, i + 1)),
            NOW,
            TIME_ZONE,
          );
          const balances = balanceSpecs.filter((b) => b.period < periods.length);
          if (months.length > 0)
            await database.db("mentor_month_counts").insert(
              months.map((m) => ({
                organization_id: organizationId,
                scope_id: m.scope,
                peer_mentor_id: m.mentor,
                month_key: m.month,
                confirmed_count: m.count,
              })),
            );
          if (balances.length > 0)
            await database.db("opening_balances").insert(
              balances.map((b) => ({
                organization_id: organizationId,
                scope_id: b.scope,
                peer_mentor_id: b.mentor,
                period_type: periods[b.period]?.periodType,
                period_key: periods[b.period]?.periodKey,
                assignment_count: b.count,
                imported_by: organizationId,
              })),
            );
          const fromDatabase = await counts.approachingPeriodCounts(organizationId, visibility, periods, APPROACHING_WITHIN);
          const expected = approachingEntries(referenceRows(periods, months, balances, visibility), periods).sort(byIdentity);
          expect(approachingEntries(fromDatabase, periods).sort(byIdentity)).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });
});

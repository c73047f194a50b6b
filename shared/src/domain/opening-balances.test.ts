import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  OPENING_BALANCE_CSV_HEADER,
  OPENING_BALANCE_MAX_BYTES,
  OPENING_BALANCE_MAX_LINES,
  parseOpeningBalancesCsv,
  tiersReachedByBalance,
} from "./opening-balances.ts";
import { thresholdTier } from "../testing/fixtures.ts";
import { type ThresholdTier, tiersCrossed } from "./thresholds.ts";

const HEADER = OPENING_BALANCE_CSV_HEADER.join(",");
const MENTOR = "33333333-3333-4333-8333-333333333333";
const SCOPE = "22222222-2222-4222-8222-222222222222";

function tier(count: number, order: number): ThresholdTier {
  return thresholdTier({
    configId: `00000000-0000-4000-8000-${String(order).padStart(12, "0")}`,
    name: `tier ${order}`,
    thresholdCount: count,
    tierOrder: order,
    thresholdLevel: "custom",
  });
}

describe("parseOpeningBalancesCsv", () => {
  it("parses valid lines, an empty scope as the whole organisation, tiers paid ascending", () => {
    const parsed = parseOpeningBalancesCsv(
      `${HEADER}\r\n${MENTOR},${SCOPE},calendar_year,2026,16,15;3\n${MENTOR},,half_year,2026-H2,2,\n\n`,
    );
    expect(parsed).toEqual({
      ok: true,
      errors: [],
      lines: [
        {
          line: 2,
          peerMentorId: MENTOR,
          scopeId: SCOPE,
          periodType: "calendar_year",
          periodKey: "2026",
          assignmentCount: 16,
          tiersPaid: [3, 15],
        },
        { line: 3, peerMentorId: MENTOR, scopeId: null, periodType: "half_year", periodKey: "2026-H2", assignmentCount: 2, tiersPaid: [] },
      ],
    });
  });

  it("reports every invalid line with its number, field and reason", () => {
    const csv = [
      HEADER,
      `not-a-uuid,${SCOPE},calendar_year,2026,1,`,
      `${MENTOR},${SCOPE},weekly,2026,1,`,
      `${MENTOR},${SCOPE},quarter,2026-H1,1,`,
      `${MENTOR},${SCOPE},calendar_year,2026,-1,`,
      `${MENTOR},${SCOPE},calendar_year,2026,1.5,`,
      `${MENTOR},${SCOPE},calendar_year,2026,2,3`,
      `${MENTOR},${SCOPE},calendar_year,2026,5,3;3`,
      `${MENTOR},${SCOPE},calendar_year,2026`,
      `${MENTOR},${SCOPE},calendar_year,2027,5,3`,
      `${MENTOR},${SCOPE},calendar_year,2027,6,3`,
      `${MENTOR},${SCOPE},month,1999-12,6,`,
    ].join("\n");
    const parsed = parseOpeningBalancesCsv(csv);
    if (!parsed.ok) throw new Error("expected lines");
    expect(parsed.errors.map((e) => [e.line, e.field, e.code])).toEqual([
      [2, "mentor_id", "invalid_uuid"],
      [3, "period_type", "invalid_period_type"],
      [4, "period_key", "invalid_period_key"],
      [5, "assignment_count", "invalid_count"],
      [6, "assignment_count", "invalid_count"],
      [7, "tiers_paid", "tier_above_count"],
      [8, "tiers_paid", "invalid_tiers_paid"],
      [9, "line", "column_count"],
      [11, "line", "duplicate_line"],
      [12, "period_key", "invalid_period_key"],
    ]);
    expect(parsed.lines.map((l) => l.line)).toEqual([10]);
    expect(parsed.errors.every((e) => e.message.length > 0)).toBe(true);
  });

  it("refuses a wrong header, an empty file, too many lines and too many bytes as a whole", () => {
    expect(parseOpeningBalancesCsv("mentor,scope\n")).toMatchObject({ ok: false, reason: "bad_header" });
    expect(parseOpeningBalancesCsv("")).toMatchObject({ ok: false, reason: "empty" });
    const line = `${MENTOR},,calendar_year,2026,1,`;
    const many = [HEADER, ...Array.from({ length: OPENING_BALANCE_MAX_LINES + 1 }, () => line)].join("\n");
    expect(parseOpeningBalancesCsv(many)).toMatchObject({ ok: false, reason: "too_many_lines" });
    expect(parseOpeningBalancesCsv(`${HEADER}\n${"x".repeat(OPENING_BALANCE_MAX_BYTES)}`)).toMatchObject({
      ok: false,
      reason: "too_large",
    });
  });

  it("round-trips any valid line (property)", () => {
    fc.assert(
      fc.property(
        fc.uuid({ version: 4 }),
        fc.option(fc.uuid({ version: 4 }), { nil: null }),
        fc.integer({ min: 2000, max: 2099 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 1_000_000 }), { maxLength: 4 }),
        (mentor, scope, year, count, paid) => {
          const tiersPaid = paid.filter((t) => t <= count);
          const parsed = parseOpeningBalancesCsv(
            `${HEADER}\n${mentor},${scope ?? ""},calendar_year,${year},${count},${tiersPaid.join(";")}`,
          );
          expect(parsed).toEqual({
            ok: true,
            errors: [],
            lines: [
              {
                line: 2,
                peerMentorId: mentor.toLowerCase(),
                scopeId: scope?.toLowerCase() ?? null,
                periodType: "calendar_year",
                periodKey: String(year),
                assignmentCount: count,
                tiersPaid: [...tiersPaid].sort((a, b) => a - b),
              },
            ],
          });
        },
      ),
    );
  });
});

describe("tiersReachedByBalance", () => {
  it("marks reached tiers paid or owed and names paid thresholds no tier has", () => {
    const tiers = [tier(3, 1), tier(15, 2), { ...tier(2, 3), periodType: "month" as const }];
    expect(tiersReachedByBalance(tiers, { periodType: "calendar_year", assignmentCount: 13, tiersPaid: [3, 4] })).toEqual({
      reached: [{ tier: tiers[0], paid: true }],
      unknownPaid: [4],
    });
  });

  it("every tier is reached exactly once: by the balance or by one counted assignment after it (property)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 40 }),
        (thresholds, balance, counted) => {
          const tiers = thresholds.map((count, i) => tier(count, i + 1));
          const byBalance = tiersReachedByBalance(tiers, {
            periodType: "calendar_year",
            assignmentCount: balance,
            tiersPaid: [],
          }).reached.map((r) => r.tier.thresholdCount);
          const byCounting: number[] = [];
          for (let k = 0; k < counted; k++)
            byCounting.push(...tiersCrossed(tiers, balance + k, balance + k + 1).map((t) => t.thresholdCount));
          const all = [...byBalance, ...byCounting].sort((a, b) => a - b);
          expect(all).toEqual(thresholds.filter((t) => t <= balance + counted).sort((a, b) => a - b));
          // The counted assignment that reaches a tier is number (threshold - balance).
          for (const t of byCounting) expect(t - balance).toBeGreaterThanOrEqual(1);
        },
      ),
    );
  });
});

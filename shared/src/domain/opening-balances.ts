/**
 * Go-live opening balances (issue 12, item 6): the CSV an admin uploads, parsed and checked as pure
 * code, and what a balance means for the tiers (DESIGN.md "What is owed").
 *
 * A balance is the count a mentor had in one period of one scope before the system started. The
 * mentor's count in that period is the balance plus the assignments the system counts; the tiers the
 * balance already reaches are never crossed again by the counter (it only crosses a threshold an
 * increment reaches), and the import writes a record for each of them (paid outside the system, or
 * still owed) so the one entitlement rule sees them.
 */
import { PERIOD_TYPES, type PeriodType, isValidPeriodKey } from "./period.ts";
import type { ThresholdTier } from "./thresholds.ts";

export const OPENING_BALANCE_CSV_HEADER = ["mentor_id", "scope_id", "period_type", "period_key", "assignment_count", "tiers_paid"] as const;
/** Below the query API's 1 MiB body limit (QUERY_API_MAX_BODY_BYTES), with room for JSON escaping, so an upload
 * too large is refused here with a field error rather than with a bare 413. Larger imports go in several
 * files: a re-import replaces per mentor × scope × period, so splitting is safe. */
export const OPENING_BALANCE_MAX_BYTES = 768 * 1024;
export const OPENING_BALANCE_MAX_LINES = 10_000;
export const OPENING_BALANCE_MAX_COUNT = 1_000_000;

export interface OpeningBalanceLine {
  /** 1-based line number in the uploaded text (the header is line 1). */
  line: number;
  peerMentorId: string;
  /** null: the whole organisation (an empty scope_id cell). */
  scopeId: string | null;
  periodType: PeriodType;
  periodKey: string;
  assignmentCount: number;
  /** Threshold counts of the tiers already paid, ascending and distinct. */
  tiersPaid: number[];
}

export type OpeningBalanceErrorCode =
  | "column_count"
  | "invalid_uuid"
  | "invalid_period_type"
  | "invalid_period_key"
  | "invalid_count"
  | "invalid_tiers_paid"
  | "duplicate_line"
  | "unknown_tier"
  | "tier_above_count"
  | "period_already_counted";

/** One invalid line: which line, which field, why. */
export interface OpeningBalanceError {
  line: number;
  field: (typeof OPENING_BALANCE_CSV_HEADER)[number] | "line";
  code: OpeningBalanceErrorCode;
  message: string;
}

export type OpeningBalanceParse =
  | { ok: true; lines: OpeningBalanceLine[]; errors: OpeningBalanceError[] }
  /** The upload as a whole is refused (size, line count, header): nothing is looked at line by line. */
  | { ok: false; reason: "too_large" | "too_many_lines" | "bad_header" | "empty"; message: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COUNT = /^\d{1,7}$/;

export function balanceKey(b: { scopeId: string | null; peerMentorId: string; periodType: PeriodType; periodKey: string }): string {
  return `${b.scopeId ?? "-"}/${b.peerMentorId}/${b.periodType}/${b.periodKey}`;
}

/**
 * Parses the CSV: a header naming exactly OPENING_BALANCE_CSV_HEADER, then one line per balance.
 * Cells hold ids, keys and numbers only, so no quoting is supported (a quote is an invalid cell).
 * tiers_paid is the threshold counts of the tiers paid, separated by `;` (e.g. `3;15`), empty for none.
 * Blank lines are skipped. Every invalid line is reported; valid lines are returned beside them.
 */
export function parseOpeningBalancesCsv(text: string): OpeningBalanceParse {
  if (Buffer.byteLength(text, "utf8") > OPENING_BALANCE_MAX_BYTES)
    return { ok: false, reason: "too_large", message: `the CSV is larger than ${OPENING_BALANCE_MAX_BYTES} bytes` };
  const rawLines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  while (rawLines.length > 0 && rawLines[rawLines.length - 1]?.trim() === "") rawLines.pop();
  if (rawLines.length === 0) return { ok: false, reason: "empty", message: "the CSV is empty (a header line is required)" };
  if (rawLines.length - 1 > OPENING_BALANCE_MAX_LINES)
    return { ok: false, reason: "too_many_lines", message: `the CSV has more than ${OPENING_BALANCE_MAX_LINES} lines` };
  const header = (rawLines[0] ?? "").split(",").map((cell) => cell.trim().toLowerCase());
  if (header.length !== OPENING_BALANCE_CSV_HEADER.length || header.some((cell, i) => cell !== OPENING_BALANCE_CSV_HEADER[i]))
    return { ok: false, reason: "bad_header", message: `the first line must be exactly: ${OPENING_BALANCE_CSV_HEADER.join(",")}` };

  const lines: OpeningBalanceLine[] = [];
  const errors: OpeningBalanceError[] = [];
  const seen = new Map<string, number>();
  for (let i = 1; i < rawLines.length; i++) {
    const raw = rawLines[i] ?? "";
    const line = i + 1;
    if (raw.trim() === "") continue;
    const cells = raw.split(",").map((cell) => cell.trim());
    if (cells.length !== OPENING_BALANCE_CSV_HEADER.length) {
      errors.push({
        line,
        field: "line",
        code: "column_count",
        message: `expected ${OPENING_BALANCE_CSV_HEADER.length} columns, found ${cells.length}`,
      });
      continue;
    }
    const [mentor = "", scope = "", periodType = "", periodKey = "", count = "", tiers = ""] = cells;
    const lineErrors: OpeningBalanceError[] = [];
    if (!UUID.test(mentor)) lineErrors.push({ line, field: "mentor_id", code: "invalid_uuid", message: "mentor_id must be a UUID" });
    if (scope !== "" && !UUID.test(scope))
      lineErrors.push({
        line,
        field: "scope_id",
        code: "invalid_uuid",
        message: "scope_id must be a UUID or empty (the whole organisation)",
      });
    const type = PERIOD_TYPES.find((t) => t === periodType);
    if (type === undefined)
      lineErrors.push({
        line,
        field: "period_type",
        code: "invalid_period_type",
        message: `period_type must be one of ${PERIOD_TYPES.join(", ")}`,
      });
    else if (!isValidPeriodKey(type, periodKey) || !validYear(periodKey))
      lineErrors.push({
        line,
        field: "period_key",
        code: "invalid_period_key",
        message: `period_key ${JSON.stringify(periodKey)} is not a ${type} key of 2000-2099 (e.g. 2026, 2026-H1, 2026-Q3, 2026-07)`,
      });
    const assignmentCount = COUNT.test(count) ? Number(count) : Number.NaN;
    if (!(assignmentCount >= 0 && assignmentCount <= OPENING_BALANCE_MAX_COUNT))
      lineErrors.push({
        line,
        field: "assignment_count",
        code: "invalid_count",
        message: `assignment_count must be a whole number from 0 to ${OPENING_BALANCE_MAX_COUNT}`,
      });
    const tierCells = tiers === "" ? [] : tiers.split(";").map((cell) => cell.trim());
    const tiersPaid = tierCells.map((cell) => (/^\d{1,7}$/.test(cell) ? Number(cell) : Number.NaN));
    if (tiersPaid.some((t) => !(t >= 1)) || new Set(tiersPaid).size !== tiersPaid.length)
      lineErrors.push({
        line,
        field: "tiers_paid",
        code: "invalid_tiers_paid",
        message: "tiers_paid must be distinct tier thresholds (whole numbers >= 1) separated by ';', or empty",
      });
    else if (Number.isFinite(assignmentCount) && tiersPaid.some((t) => t > assignmentCount))
      lineErrors.push({
        line,
        field: "tiers_paid",
        code: "tier_above_count",
        message: "a tier listed as paid has a threshold above assignment_count: it cannot have been reached",
      });
    if (lineErrors.length > 0 || type === undefined) {
      errors.push(...lineErrors);
      continue;
    }
    const parsed: OpeningBalanceLine = {
      line,
      peerMentorId: mentor.toLowerCase(),
      scopeId: scope === "" ? null : scope.toLowerCase(),
      periodType: type,
      periodKey,
      assignmentCount,
      tiersPaid: [...tiersPaid].sort((a, b) => a - b),
    };
    const key = balanceKey(parsed);
    const first = seen.get(key);
    if (first !== undefined) {
      errors.push({
        line,
        field: "line",
        code: "duplicate_line",
        message: `the same mentor, scope and period as line ${first}`,
      });
      continue;
    }
    seen.set(key, line);
    lines.push(parsed);
  }
  return { ok: true, lines, errors };
}

function validYear(periodKey: string): boolean {
  const year = Number(periodKey.slice(0, 4));
  return year >= 2000 && year <= 2099;
}

/** A tier the balance already reaches: the import writes a record for it. */
export interface TierReachedByBalance {
  tier: ThresholdTier;
  /** Listed in tiers_paid: paid outside the system. Otherwise still owed (pending). */
  paid: boolean;
}

/**
 * The tiers of the line's period type that its balance reaches (threshold_count <= balance), each
 * marked paid or owed; or the thresholds named in tiers_paid that no such tier has. `tiers` are the
 * organisation's tiers that apply to the period (the caller picks them by effective date).
 */
export function tiersReachedByBalance(
  tiers: readonly ThresholdTier[],
  line: Pick<OpeningBalanceLine, "periodType" | "assignmentCount" | "tiersPaid">,
): { reached: TierReachedByBalance[]; unknownPaid: number[] } {
  const ofType = tiers.filter((tier) => tier.periodType === line.periodType);
  const reached = ofType
    .filter((tier) => tier.thresholdCount <= line.assignmentCount)
    .sort((a, b) => a.thresholdCount - b.thresholdCount || a.tierOrder - b.tierOrder)
    .map((tier) => ({ tier, paid: line.tiersPaid.includes(tier.thresholdCount) }));
  const unknownPaid = line.tiersPaid.filter((t) => !ofType.some((tier) => tier.thresholdCount === t));
  return { reached, unknownPaid };
}

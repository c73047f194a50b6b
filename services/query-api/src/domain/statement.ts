import { fromMinorUnits, toMinorUnits } from "@honorarium/shared/domain";
import { csvCell } from "./bufdir.ts";
import type { SortDirection } from "./dashboard.ts";
import type { PaymentStatus } from "./payment-lifecycle.ts";
import type { Crossing, MonthCount, OpeningBalanceCount, RecordSource } from "./progress.ts";

/** The versioned first line of the statement CSV; bumped when columns change. */
// v2: opening_balance after count (go-live balances; count includes it).
export const STATEMENT_EXPORT_FORMAT = "honorarium-tracker statement v2";

export interface StatementTier {
  recordId: string;
  tierName: string | null;
  thresholdCount: number;
  reachedAt: string | null;
  paymentStatus: PaymentStatus;
  /** What the record owes by the one rule (shared/domain entitlement). */
  amountDue: string;
  /** What was paid for it (fixed when it became paid); null until then. */
  amountPaid: string | null;
  /** "opening_balance": reached before go-live (paid outside the system when paid at import). */
  source: RecordSource;
}

/** One mentor in one scope for the period: the count, the tiers crossed, and the money. */
export interface StatementLine {
  peerMentorId: string;
  scopeId: string | null;
  /** The period's count: its opening balance plus the assignments the system counted. */
  count: number;
  /** The go-live opening balance included in `count` (0 when none was imported). */
  openingBalance: number;
  tiers: StatementTier[];
  /** The entitlement: the amounts due of the records not cancelled. */
  owed: string;
  paid: string;
  /** Owed and not paid yet (pending or in a payout batch). */
  outstanding: string;
  /** Of `outstanding`, what is in payment (processing). */
  inPayment: string;
  currency: string;
}

export const STATEMENT_SORT_KEYS = ["peerMentorId", "count", "owed", "outstanding"] as const;
export type StatementSortKey = (typeof STATEMENT_SORT_KEYS)[number];

/** What a paid record counts as paid: its fixed amount, or (paid before amounts were kept) its amount due. */
export function paidAmountOf(crossing: Pick<Crossing, "paymentStatus" | "amountPaid" | "amountDue">): bigint {
  if (crossing.paymentStatus !== "paid") return 0n;
  return toMinorUnits(crossing.amountPaid ?? crossing.amountDue);
}

/**
 * The statement of one period: a line per (mentor, scope) with a count or a crossing in it. `counts`
 * are the month counts of the period's months, `crossings` the records of the period (whole groups,
 * with amounts due).
 */
export function statementLines(
  counts: readonly MonthCount[],
  crossings: readonly Crossing[],
  currency: string,
  openingBalances: readonly OpeningBalanceCount[] = [],
): StatementLine[] {
  const lines = new Map<string, StatementLine & { owedMinor: bigint; paidMinor: bigint; inPaymentMinor: bigint }>();
  const lineOf = (peerMentorId: string, scopeId: string | null) => {
    const key = `${peerMentorId}|${scopeId ?? ""}`;
    let line = lines.get(key);
    if (line === undefined) {
      line = {
        peerMentorId,
        scopeId,
        count: 0,
        openingBalance: 0,
        tiers: [],
        owed: "0.00",
        paid: "0.00",
        outstanding: "0.00",
        inPayment: "0.00",
        currency,
        owedMinor: 0n,
        paidMinor: 0n,
        inPaymentMinor: 0n,
      };
      lines.set(key, line);
    }
    return line;
  };
  for (const row of counts) lineOf(row.peerMentorId, row.scopeId).count += row.confirmedCount;
  for (const balance of openingBalances) {
    const line = lineOf(balance.peerMentorId, balance.scopeId);
    line.openingBalance += balance.assignmentCount;
    line.count += balance.assignmentCount;
  }
  for (const crossing of crossings) {
    const line = lineOf(crossing.peerMentorId, crossing.scopeId);
    line.tiers.push({
      recordId: crossing.id,
      tierName: crossing.tierName,
      thresholdCount: crossing.thresholdCount,
      reachedAt: crossing.reachedAt ?? crossing.recordedAt,
      paymentStatus: crossing.paymentStatus,
      amountDue: crossing.amountDue,
      amountPaid: crossing.amountPaid,
      source: crossing.source,
    });
    if (crossing.paymentStatus === "cancelled") continue;
    line.owedMinor += toMinorUnits(crossing.amountDue);
    line.paidMinor += paidAmountOf(crossing);
    if (crossing.paymentStatus === "processing") line.inPaymentMinor += toMinorUnits(crossing.amountDue);
  }
  return [...lines.values()].map(({ owedMinor, paidMinor, inPaymentMinor, ...line }) => {
    const outstanding = owedMinor > paidMinor ? owedMinor - paidMinor : 0n;
    line.tiers.sort((a, b) => a.thresholdCount - b.thresholdCount || a.recordId.localeCompare(b.recordId));
    return {
      ...line,
      owed: fromMinorUnits(owedMinor),
      paid: fromMinorUnits(paidMinor),
      outstanding: fromMinorUnits(outstanding),
      inPayment: fromMinorUnits(inPaymentMinor < outstanding ? inPaymentMinor : outstanding),
    };
  });
}

export interface StatementTotals {
  mentors: number;
  lines: number;
  count: number;
  openingBalance: number;
  owed: string;
  paid: string;
  outstanding: string;
  inPayment: string;
}

export function statementTotals(lines: readonly StatementLine[]): StatementTotals {
  const sum = (pick: (line: StatementLine) => string) =>
    fromMinorUnits(lines.reduce((total, line) => total + toMinorUnits(pick(line)), 0n));
  return {
    mentors: new Set(lines.map((line) => line.peerMentorId)).size,
    lines: lines.length,
    count: lines.reduce((total, line) => total + line.count, 0),
    openingBalance: lines.reduce((total, line) => total + line.openingBalance, 0),
    owed: sum((line) => line.owed),
    paid: sum((line) => line.paid),
    outstanding: sum((line) => line.outstanding),
    inPayment: sum((line) => line.inPayment),
  };
}

/** Sorted by the key (amounts exactly, as minor units), ties by mentor then scope. */
export function sortStatement(lines: readonly StatementLine[], sortBy: StatementSortKey, direction: SortDirection): StatementLine[] {
  const tie = (a: StatementLine, b: StatementLine) =>
    a.peerMentorId.localeCompare(b.peerMentorId) || (a.scopeId ?? "").localeCompare(b.scopeId ?? "");
  const money = (pick: (line: StatementLine) => string) => (a: StatementLine, b: StatementLine) => {
    const d = toMinorUnits(pick(a)) - toMinorUnits(pick(b));
    return d === 0n ? 0 : d < 0n ? -1 : 1;
  };
  const primary =
    sortBy === "count"
      ? (a: StatementLine, b: StatementLine) => a.count - b.count
      : sortBy === "owed"
        ? money((line) => line.owed)
        : sortBy === "outstanding"
          ? money((line) => line.outstanding)
          : () => 0;
  const flip = direction === "desc" ? -1 : 1;
  // Ties stay in mentor order whichever the direction.
  return [...lines].sort((a, b) => flip * primary(a, b) || tie(a, b));
}

export const STATEMENT_CSV_COLUMNS = [
  "peer_mentor_id",
  "scope_id",
  "period_type",
  "period_key",
  "count",
  "opening_balance",
  "tiers",
  "record_ids",
  "owed",
  "paid",
  "outstanding",
  "in_payment",
  "currency",
] as const;

/** The statement as CSV: format line, metadata line, columns, one row per line. Tier names and record ids are `;`-separated. */
export function renderStatementCsv(input: {
  organizationId: string;
  periodType: string;
  periodKey: string;
  lines: readonly StatementLine[];
  generatedAt: Date;
}): string {
  const rows = [
    `# ${STATEMENT_EXPORT_FORMAT}`,
    `# organization_id=${input.organizationId};period_type=${input.periodType};period_key=${input.periodKey};generated_at=${input.generatedAt.toISOString()}`,
    STATEMENT_CSV_COLUMNS.join(","),
  ];
  for (const line of input.lines) {
    rows.push(
      [
        line.peerMentorId,
        line.scopeId ?? "whole_organization",
        input.periodType,
        input.periodKey,
        line.count,
        line.openingBalance,
        line.tiers.map((tier) => tier.tierName ?? "").join(";"),
        line.tiers.map((tier) => tier.recordId).join(";"),
        line.owed,
        line.paid,
        line.outstanding,
        line.inPayment,
        line.currency,
      ]
        .map(csvCell)
        .join(","),
    );
  }
  return `${rows.join("\r\n")}\r\n`;
}

import {
  type PeriodType,
  type ThresholdTier,
  fromMinorUnits,
  monthKeysOfPeriod,
  periodEnd,
  periodKeyOf,
  periodStart,
  periodTypesInUse,
  progressToward,
  tiersEffectiveAt,
  toMinorUnits,
} from "@honorarium/shared/domain";
import type { PaymentStatus } from "./payment-lifecycle.ts";

/** A mentor's confirmed count in one local month and scope (a row of mentor_month_counts). */
export interface MonthCount {
  scopeId: string | null;
  peerMentorId: string;
  monthKey: string;
  confirmedCount: number;
}

/** One mentor's counts in one scope, one per period (in the order the periods were asked for). */
export interface PeriodCounts {
  scopeId: string | null;
  peerMentorId: string;
  counts: number[];
}

/** A go-live opening balance: the count a (scope, mentor) had in a period before the system started. */
export interface OpeningBalanceCount {
  scopeId: string | null;
  peerMentorId: string;
  periodType: PeriodType;
  periodKey: string;
  assignmentCount: number;
}

/** The opening balance of one (scope, period) among a mentor's balances (0 when none was imported). */
export function openingBalanceOf(
  balances: readonly OpeningBalanceCount[],
  scopeId: string | null,
  periodType: PeriodType,
  periodKey: string,
): number {
  let total = 0;
  for (const b of balances)
    if (b.scopeId === scopeId && b.periodType === periodType && b.periodKey === periodKey) total += b.assignmentCount;
  return total;
}

/** Who wrote a record: the counter (a crossing it saw), or the go-live import (a tier reached before it). */
export type RecordSource = "counter" | "opening_balance";

/** A crossing (a row of honorarium_records with threshold_crossed). */
export interface Crossing {
  id: string;
  peerMentorId: string;
  scopeId: string | null;
  configId: string | null;
  tierName: string | null;
  tierOrder: number | null;
  thresholdLevel: string;
  thresholdCount: number;
  honorariumRate: string;
  /** What this record owes (shared/domain entitlement): the rate, or the top-up over lower tiers; 0 when cancelled. */
  amountDue: string;
  /** What was paid for it, fixed when it became paid (null before, and for records paid before amounts were kept). */
  amountPaid: string | null;
  currency: string;
  isCumulative: boolean;
  periodType: PeriodType;
  periodKey: string;
  fiscalYear: number;
  assignmentCount: number;
  paymentStatus: PaymentStatus;
  paymentProcessedAt: string | null;
  reachedAt: string | null;
  recordedAt: string;
  needsReview: boolean;
  reviewFlaggedAt: string | null;
  reviewResolvedAt: string | null;
  /** The assignment whose confirmation reached the tier. */
  triggerAssignmentId: string | null;
  notes: string | null;
  coordinatorNotified: boolean;
  coordinatorNotifiedAt: string | null;
  /** "opening_balance": recorded by the go-live import (paid outside the system, or owed from before it). */
  source: RecordSource;
}

export interface CurrentPeriod {
  periodType: PeriodType;
  periodKey: string;
  monthKeys: string[];
  tiers: ThresholdTier[];
}

/** The periods now running, one per period type of the tiers in effect now. */
export function currentPeriods(tiers: readonly ThresholdTier[], now: Date, timeZone: string): CurrentPeriod[] {
  const effective = tiersEffectiveAt(tiers, now);
  return periodTypesInUse(effective).map((periodType) => {
    const periodKey = periodKeyOf(periodType, now, timeZone);
    return {
      periodType,
      periodKey,
      monthKeys: monthKeysOfPeriod(periodType, periodKey),
      tiers: effective.filter((t) => t.periodType === periodType),
    };
  });
}

export interface TierStatus {
  configId: string;
  name: string;
  thresholdCount: number;
  honorariumAmount: string;
  currency: string;
  thresholdLevel: string;
  /** A crossing record exists: the tier was reached by an increment while it was in effect (no retroactive crossings). */
  reached: boolean;
  reachedAt: string | null;
  recordId: string | null;
  paymentStatus: PaymentStatus | null;
  /** What the tier's record owes by the one rule; null without a record. */
  amountDue: string | null;
}

export interface PeriodProgress {
  periodType: PeriodType;
  periodKey: string;
  count: number;
  tiers: TierStatus[];
  next: { configId: string; name: string; thresholdCount: number; honorariumAmount: string } | null;
  remaining: number | null;
}

/**
 * Where a count stands in one period: each tier reached or not, and what is next. Reached means a
 * crossing record: a tier added (or lowered) below the current count was never crossed, is owed
 * nothing, and shows as not reached; it is not "next" either (the count is past it).
 */
export function periodProgress(period: CurrentPeriod, count: number, crossings: readonly Crossing[]): PeriodProgress {
  const progress = progressToward(period.tiers, count);
  const inPeriod = crossings.filter((c) => c.periodType === period.periodType && c.periodKey === period.periodKey);
  const tiers = [...period.tiers]
    .sort((a, b) => a.thresholdCount - b.thresholdCount || a.tierOrder - b.tierOrder)
    .map((tier): TierStatus => {
      const record = inPeriod.find((c) => c.configId === tier.configId) ?? inPeriod.find((c) => c.tierOrder === tier.tierOrder);
      return {
        configId: tier.configId,
        name: tier.name,
        thresholdCount: tier.thresholdCount,
        honorariumAmount: tier.honorariumAmount,
        currency: tier.currency,
        thresholdLevel: tier.thresholdLevel,
        reached: record !== undefined,
        reachedAt: record?.reachedAt ?? record?.recordedAt ?? null,
        recordId: record?.id ?? null,
        paymentStatus: record?.paymentStatus ?? null,
        amountDue: record?.amountDue ?? null,
      };
    });
  const next = progress.next;
  return {
    periodType: period.periodType,
    periodKey: period.periodKey,
    count,
    tiers,
    next:
      next === null
        ? null
        : { configId: next.configId, name: next.name, thresholdCount: next.thresholdCount, honorariumAmount: next.honorariumAmount },
    remaining: progress.remaining,
  };
}

/** Sum of confirmed counts over the given months. */
export function countOver(counts: readonly MonthCount[], monthKeys: readonly string[]): number {
  const months = new Set(monthKeys);
  return counts.reduce((sum, row) => (months.has(row.monthKey) ? sum + row.confirmedCount : sum), 0);
}

/** What counts toward an income year's tax-free limit (Norwegian income tax follows the year money is paid). */
export interface IncomeYearBasis {
  /** Paid in the income year, by the local date of payment. */
  paid: string;
  /** Owed and not paid yet (pending or in payment), from any period: projected as paid this year. */
  notYetPaid: string;
}

/**
 * The cash principle: a record counts in the year its payment was made, whatever period it was
 * earned in; what is owed and not yet paid is projected into the current income year. Amounts are
 * the one rule's (a record's amountDue; amountPaid once paid). `crossings` must hold whole groups.
 */
export function incomeYearBasis(crossings: readonly Crossing[], year: IncomeYearWindow): IncomeYearBasis {
  let paid = 0n;
  let notYetPaid = 0n;
  for (const crossing of crossings) {
    if (!countsTowardIncomeYear(crossing, year)) continue;
    if (crossing.paymentStatus === "paid") paid += toMinorUnits(crossing.amountPaid ?? crossing.amountDue);
    else notYetPaid += toMinorUnits(crossing.amountDue);
  }
  return { paid: fromMinorUnits(paid), notYetPaid: fromMinorUnits(notYetPaid) };
}

/** The instants an income year spans in the organisation's time zone: [start, end) in epoch milliseconds. */
export interface IncomeYearWindow {
  start: number;
  end: number;
}

export function incomeYearWindow(incomeYear: number, timeZone: string): IncomeYearWindow {
  const key = String(incomeYear);
  return { start: periodStart("calendar_year", key, timeZone).getTime(), end: periodEnd("calendar_year", key, timeZone).getTime() };
}

/** Does the record count toward the income year's limit: paid within the year (local time), or owed and not yet paid? */
export function countsTowardIncomeYear(crossing: Pick<Crossing, "paymentStatus" | "paymentProcessedAt">, year: IncomeYearWindow): boolean {
  if (crossing.paymentStatus === "pending" || crossing.paymentStatus === "processing") return true;
  if (crossing.paymentStatus !== "paid" || crossing.paymentProcessedAt === null) return false;
  const paidAt = Date.parse(crossing.paymentProcessedAt);
  return paidAt >= year.start && paidAt < year.end;
}

export type TaxStatus = "below" | "near" | "over";

export interface TaxFreeStanding {
  incomeYear: number;
  /** Paid this income year plus owed and not yet paid (projected): what the limit is measured against. */
  honorariumYearToDate: string;
  /** Of it, paid in the income year. */
  paidInYear: string;
  /** Of it, owed and not yet paid (projected into this year). */
  projectedNotYetPaid: string;
  taxFreeLimit: string;
  remaining: string;
  status: TaxStatus;
}

/** Norwegian tax: honoraria up to the limit per income year are tax-free; above it all of it is taxable. */
export function taxFreeStanding(incomeYear: number, basis: IncomeYearBasis, taxFreeLimit: string, nearRatio: number): TaxFreeStanding {
  const earned = toMinorUnits(basis.paid) + toMinorUnits(basis.notYetPaid);
  const limit = toMinorUnits(taxFreeLimit);
  // ratio as parts per thousand keeps the comparison in integers.
  const nearFrom = (limit * BigInt(Math.round(nearRatio * 1000))) / 1000n;
  const status: TaxStatus = earned > limit ? "over" : earned >= nearFrom && earned > 0n ? "near" : "below";
  return {
    incomeYear,
    honorariumYearToDate: fromMinorUnits(earned),
    paidInYear: fromMinorUnits(toMinorUnits(basis.paid)),
    projectedNotYetPaid: fromMinorUnits(toMinorUnits(basis.notYetPaid)),
    taxFreeLimit: fromMinorUnits(limit),
    remaining: fromMinorUnits(limit > earned ? limit - earned : 0n),
    status,
  };
}

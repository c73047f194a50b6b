import {
  type PeriodType,
  type ThresholdTier,
  fromMinorUnits,
  monthKeysOfPeriod,
  amountsDueByRecord,
  periodKeyOf,
  periodTypesInUse,
  progressToward,
  tiersEffectiveAt,
  sumAmounts,
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

/**
 * Honorarium earned in an income year: the entitlement of every (scope, period) of that year, by the
 * one rule (shared/domain entitlement: a non-cumulative higher tier replaces lower ones; cancelled
 * payments earn nothing), summed. `crossings` must hold whole groups (every record of a period).
 */
export function honorariumForYear(crossings: readonly Crossing[], incomeYear: number): string {
  const inYear = crossings.filter((crossing) => crossing.fiscalYear === incomeYear);
  const due = amountsDueByRecord(
    inYear.map((c) => ({
      id: c.id,
      organizationId: "",
      scopeId: c.scopeId,
      peerMentorId: c.peerMentorId,
      periodType: c.periodType,
      periodKey: c.periodKey,
      thresholdCount: c.thresholdCount,
      tierOrder: c.tierOrder ?? 0,
      amount: c.honorariumRate,
      isCumulative: c.isCumulative,
      cancelled: c.paymentStatus === "cancelled",
    })),
  );
  return sumAmounts([...due.values()]);
}

export type TaxStatus = "below" | "near" | "over";

export interface TaxFreeStanding {
  incomeYear: number;
  honorariumYearToDate: string;
  taxFreeLimit: string;
  remaining: string;
  status: TaxStatus;
}

/** Norwegian tax: honoraria up to the limit per income year are tax-free; above it all of it is taxable. */
export function taxFreeStanding(
  incomeYear: number,
  honorariumYearToDate: string,
  taxFreeLimit: string,
  nearRatio: number,
): TaxFreeStanding {
  const earned = toMinorUnits(honorariumYearToDate);
  const limit = toMinorUnits(taxFreeLimit);
  // ratio as parts per thousand keeps the comparison in integers.
  const nearFrom = (limit * BigInt(Math.round(nearRatio * 1000))) / 1000n;
  const status: TaxStatus = earned > limit ? "over" : earned >= nearFrom && earned > 0n ? "near" : "below";
  return {
    incomeYear,
    honorariumYearToDate: fromMinorUnits(earned),
    taxFreeLimit: fromMinorUnits(limit),
    remaining: fromMinorUnits(limit > earned ? limit - earned : 0n),
    status,
  };
}

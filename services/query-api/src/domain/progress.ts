import {
  type PeriodType,
  type ThresholdTier,
  fromMinorUnits,
  monthKeysOfPeriod,
  payableForReachedTiers,
  periodKeyOf,
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
  reached: boolean;
  reachedAt: string | null;
  recordId: string | null;
  paymentStatus: PaymentStatus | null;
}

export interface PeriodProgress {
  periodType: PeriodType;
  periodKey: string;
  count: number;
  tiers: TierStatus[];
  next: { configId: string; name: string; thresholdCount: number; honorariumAmount: string } | null;
  remaining: number | null;
}

/** Where a count stands in one period: each tier reached (by count or by a crossing record) or not, and what is next. */
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
        reached: record !== undefined || count >= tier.thresholdCount,
        reachedAt: record?.reachedAt ?? record?.recordedAt ?? null,
        recordId: record?.id ?? null,
        paymentStatus: record?.paymentStatus ?? null,
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
 * Honorarium earned in an income year: per (scope, period) the payable amount of the tiers crossed
 * (a non-cumulative top tier replaces lower ones), summed. Cancelled payments earn nothing.
 */
export function honorariumForYear(crossings: readonly Crossing[], incomeYear: number): string {
  const groups = new Map<string, Crossing[]>();
  for (const crossing of crossings) {
    if (crossing.fiscalYear !== incomeYear || crossing.paymentStatus === "cancelled") continue;
    const key = `${crossing.scopeId ?? ""}|${crossing.periodType}|${crossing.periodKey}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [crossing]);
    else group.push(crossing);
  }
  let total = 0n;
  for (const group of groups.values()) {
    const payable = payableForReachedTiers(
      group.map((c) => ({
        honorariumAmount: c.honorariumRate,
        isCumulative: c.isCumulative,
        thresholdCount: c.thresholdCount,
        tierOrder: c.tierOrder ?? 0,
      })),
    );
    total += toMinorUnits(payable);
  }
  return fromMinorUnits(total);
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

import type { ThresholdLevel } from "../contracts/threshold-crossed.ts";
import type { PeriodType } from "./period.ts";

/** One honorarium tier of an organization (a row of threshold_configs, spec 002). */
export interface ThresholdTier {
  configId: string;
  name: string;
  thresholdCount: number;
  /** Decimal string, e.g. "500.00". */
  honorariumAmount: string;
  currency: string;
  periodType: PeriodType;
  tierOrder: number;
  thresholdLevel: ThresholdLevel;
  isCumulative: boolean;
  isActive: boolean;
  effectiveFrom: Date;
  effectiveUntil: Date | null;
  notificationEnabled: boolean;
}

function byProgression(a: ThresholdTier, b: ThresholdTier): number {
  return a.thresholdCount - b.thresholdCount || a.tierOrder - b.tierOrder;
}

/**
 * Tiers that apply at `instant`: effective_from <= instant < effective_until. A configuration that
 * was changed or deactivated keeps its window (effective_until = when it was retired), so a late
 * event confirmed before the change is judged by the tiers of its time. An inactive configuration
 * without an end never applies. Sorted by count.
 */
export function tiersEffectiveAt(tiers: readonly ThresholdTier[], instant: Date): ThresholdTier[] {
  const t = instant.getTime();
  return tiers
    .filter(
      (tier) =>
        (tier.isActive || tier.effectiveUntil !== null) &&
        tier.effectiveFrom.getTime() <= t &&
        (tier.effectiveUntil === null || t < tier.effectiveUntil.getTime()),
    )
    .sort(byProgression);
}

/** The period types an organization counts in (one count per type). */
export function periodTypesInUse(tiers: readonly ThresholdTier[]): PeriodType[] {
  return [...new Set(tiers.filter((tier) => tier.isActive).map((tier) => tier.periodType))];
}

/**
 * Tiers crossed when a period's count goes from `countBefore` to `countAfter` (an increment):
 * every tier with countBefore < thresholdCount <= countAfter. A decrement crosses nothing.
 */
export function tiersCrossed(tiers: readonly ThresholdTier[], countBefore: number, countAfter: number): ThresholdTier[] {
  return tiers.filter((tier) => tier.thresholdCount > countBefore && tier.thresholdCount <= countAfter).sort(byProgression);
}

export interface TierProgress {
  reached: ThresholdTier[];
  next: ThresholdTier | null;
  /** Assignments still needed for `next`; null when every tier is reached. */
  remaining: number | null;
}

/** Where a count stands among the tiers of one period type. */
export function progressToward(tiers: readonly ThresholdTier[], count: number): TierProgress {
  const sorted = [...tiers].sort(byProgression);
  const reached = sorted.filter((tier) => tier.thresholdCount <= count);
  const next = sorted.find((tier) => tier.thresholdCount > count) ?? null;
  return { reached, next, remaining: next === null ? null : next.thresholdCount - count };
}

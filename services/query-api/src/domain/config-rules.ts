import { type PeriodType, periodKeyOf, periodStart } from "@honorarium/shared/domain";
import { DomainError } from "./errors.ts";

/** The fields of a threshold configuration the business rules of spec 002 look at. */
export interface ConfigFacts {
  id: string;
  periodType: PeriodType;
  thresholdCount: number;
  tierOrder: number;
  isActive: boolean;
}

export interface RetroactiveOverride {
  reason: string;
}

/** unique_threshold_count_per_org_period: no two active configurations of a period type share a count. */
export function checkUniqueActiveCount(
  candidate: Omit<ConfigFacts, "id" | "isActive">,
  active: readonly ConfigFacts[],
  replacingId?: string,
): void {
  const clash = active.find(
    (config) =>
      config.isActive &&
      config.id !== replacingId &&
      config.periodType === candidate.periodType &&
      config.thresholdCount === candidate.thresholdCount,
  );
  if (clash !== undefined) {
    throw new DomainError(
      "conflict",
      `an active ${candidate.periodType} configuration with threshold_count ${candidate.thresholdCount} already exists (${clash.id})`,
      { rule: "unique_threshold_count_per_org_period", details: { conflictingConfigId: clash.id } },
    );
  }
}

/**
 * ascending_honorarium_with_tier: within an organization and period type, a higher tier_order never
 * has a lower threshold_count than an earlier tier. (Period types are compared separately: a
 * monthly count and a yearly count are different scales.)
 */
export function checkAscendingTiers(
  candidate: Omit<ConfigFacts, "id" | "isActive">,
  active: readonly ConfigFacts[],
  replacingId?: string,
): void {
  for (const config of active) {
    if (!config.isActive || config.id === replacingId || config.periodType !== candidate.periodType) continue;
    const descending =
      (config.tierOrder < candidate.tierOrder && config.thresholdCount > candidate.thresholdCount) ||
      (config.tierOrder > candidate.tierOrder && config.thresholdCount < candidate.thresholdCount);
    if (descending) {
      throw new DomainError(
        "invalid",
        `tier_order ${candidate.tierOrder} with threshold_count ${candidate.thresholdCount} breaks the ascending order of tiers ` +
          `(configuration ${config.id} has tier_order ${config.tierOrder} and threshold_count ${config.thresholdCount})`,
        { rule: "ascending_honorarium_with_tier", details: { conflictingConfigId: config.id } },
      );
    }
  }
}

/**
 * no_retroactive_effective_date: effective_from may not lie before the start of the current period
 * (in the organization's time zone), i.e. inside a period that is already complete — unless an
 * admin overrides explicitly with a reason (which the audit log records).
 */
export function checkNotRetroactive(
  effectiveFrom: Date,
  periodType: PeriodType,
  timeZone: string,
  now: Date,
  override: RetroactiveOverride | undefined,
): { overridden: boolean; earliestAllowed: Date } {
  const earliestAllowed = periodStart(periodType, periodKeyOf(periodType, now, timeZone), timeZone);
  if (effectiveFrom.getTime() >= earliestAllowed.getTime()) return { overridden: false, earliestAllowed };
  if (override !== undefined && override.reason.trim().length > 0) return { overridden: true, earliestAllowed };
  throw new DomainError(
    "invalid",
    `effective_from ${effectiveFrom.toISOString()} lies in a completed ${periodType} period; the earliest allowed is ` +
      `${earliestAllowed.toISOString()} unless an admin overrides with a reason`,
    { rule: "no_retroactive_effective_date", details: { earliestAllowed: earliestAllowed.toISOString() } },
  );
}

/** at_least_one_active_config: deactivating the organization's last active configuration is blocked. */
export function checkCanDeactivate(target: ConfigFacts, active: readonly ConfigFacts[]): void {
  if (!target.isActive)
    throw new DomainError("conflict", `configuration ${target.id} is already inactive`, { rule: "deactivation_over_deletion" });
  const others = active.filter((config) => config.isActive && config.id !== target.id);
  if (others.length === 0) {
    throw new DomainError(
      "precondition_failed",
      "this is the organization's last active threshold configuration; create another one first",
      {
        rule: "at_least_one_active_config",
      },
    );
  }
}

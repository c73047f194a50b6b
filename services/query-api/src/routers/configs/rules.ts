import { checkAscendingTiers, checkNotRetroactive, checkUniqueActiveCount } from "../../domain/config-rules.ts";
import type { NewThresholdConfig, ThresholdConfigRecord } from "../../ports.ts";

/** Spec 002's business rules for a configuration about to be active, against the organization's active set. */
export function checkActiveSetRules(candidate: NewThresholdConfig, active: readonly ThresholdConfigRecord[], replacingId?: string): void {
  checkUniqueActiveCount(candidate, active, replacingId);
  checkAscendingTiers(candidate, active, replacingId);
}

export function checkEffectiveFrom(
  candidate: Pick<NewThresholdConfig, "effectiveFrom" | "periodType">,
  timeZone: string,
  now: Date,
  override: { reason: string } | undefined,
): string | null {
  const { overridden } = checkNotRetroactive(candidate.effectiveFrom, candidate.periodType, timeZone, now, override);
  return overridden && override !== undefined ? override.reason.trim() : null;
}

import type { ThresholdTier } from "../domain/thresholds.ts";

/**
 * A threshold tier for tests: an active, non-cumulative office honorarium of NOK 500 at 3
 * assignments per calendar year, in effect since 2020. Each test overrides what it is about.
 * Its own subpath (`@honorarium/shared/testing/fixtures`), so pure unit tests need not load the
 * Kafka and Postgres helpers of `@honorarium/shared/testing`.
 */
export function thresholdTier(overrides: Partial<ThresholdTier> = {}): ThresholdTier {
  return {
    configId: "00000000-0000-4000-8000-000000000001",
    name: "tier",
    thresholdCount: 3,
    honorariumAmount: "500.00",
    currency: "NOK",
    periodType: "calendar_year",
    tierOrder: 1,
    thresholdLevel: "office_honorarium",
    isCumulative: false,
    isActive: true,
    effectiveFrom: new Date("2020-01-01T00:00:00Z"),
    effectiveUntil: null,
    notificationEnabled: true,
    ...overrides,
  };
}

import { describe, expect, it } from "vitest";
import { checkAscendingTiers, checkCanDeactivate, checkNotRetroactive, checkUniqueActiveCount, type ConfigFacts } from "./config-rules.ts";
import { DomainError } from "./errors.ts";

const office: ConfigFacts = { id: "a", periodType: "calendar_year", thresholdCount: 3, tierOrder: 1, isActive: true };
const higher: ConfigFacts = { id: "b", periodType: "calendar_year", thresholdCount: 15, tierOrder: 2, isActive: true };

function ruleOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error.rule;
    throw error;
  }
  return undefined;
}

describe("unique_threshold_count_per_org_period", () => {
  it("refuses a second active config with the same count and period type", () => {
    expect(ruleOf(() => checkUniqueActiveCount({ periodType: "calendar_year", thresholdCount: 3, tierOrder: 5 }, [office]))).toBe(
      "unique_threshold_count_per_org_period",
    );
  });
  it("allows the same count in another period type, or when replacing that config", () => {
    expect(ruleOf(() => checkUniqueActiveCount({ periodType: "month", thresholdCount: 3, tierOrder: 1 }, [office]))).toBeUndefined();
    expect(
      ruleOf(() => checkUniqueActiveCount({ periodType: "calendar_year", thresholdCount: 3, tierOrder: 1 }, [office], "a")),
    ).toBeUndefined();
  });
});

describe("ascending_honorarium_with_tier", () => {
  it("refuses a later tier with a smaller count", () => {
    expect(ruleOf(() => checkAscendingTiers({ periodType: "calendar_year", thresholdCount: 10, tierOrder: 3 }, [office, higher]))).toBe(
      "ascending_honorarium_with_tier",
    );
    expect(ruleOf(() => checkAscendingTiers({ periodType: "calendar_year", thresholdCount: 20, tierOrder: 0 }, [office, higher]))).toBe(
      "ascending_honorarium_with_tier",
    );
  });
  it("allows a tier between the others", () => {
    expect(
      ruleOf(() => checkAscendingTiers({ periodType: "calendar_year", thresholdCount: 10, tierOrder: 1 }, [office, higher])),
    ).toBeUndefined();
    expect(
      ruleOf(() => checkAscendingTiers({ periodType: "calendar_year", thresholdCount: 30, tierOrder: 3 }, [office, higher])),
    ).toBeUndefined();
  });
});

describe("no_retroactive_effective_date", () => {
  const now = new Date("2026-05-10T12:00:00Z");
  it("refuses a start before the current period in the organization's zone", () => {
    // 2025-12-31T22:59Z is still 2025 in Oslo (UTC+1): a completed year.
    expect(ruleOf(() => checkNotRetroactive(new Date("2025-12-31T22:59:00Z"), "calendar_year", "Europe/Oslo", now, undefined))).toBe(
      "no_retroactive_effective_date",
    );
  });
  it("allows the first instant of the current period, and an override with a reason", () => {
    const result = checkNotRetroactive(new Date("2025-12-31T23:00:00Z"), "calendar_year", "Europe/Oslo", now, undefined);
    expect(result.overridden).toBe(false);
    expect(result.earliestAllowed.toISOString()).toBe("2025-12-31T23:00:00.000Z");
    expect(
      checkNotRetroactive(new Date("2025-01-01T00:00:00Z"), "calendar_year", "Europe/Oslo", now, { reason: "grant terms" }).overridden,
    ).toBe(true);
  });
  it("an empty override reason is no override", () => {
    expect(ruleOf(() => checkNotRetroactive(new Date("2026-03-01T00:00:00Z"), "month", "Europe/Oslo", now, { reason: "  " }))).toBe(
      "no_retroactive_effective_date",
    );
  });
});

describe("at_least_one_active_config", () => {
  it("blocks deactivating the last active config", () => {
    expect(ruleOf(() => checkCanDeactivate(office, [office]))).toBe("at_least_one_active_config");
  });
  it("allows deactivating one of two", () => {
    expect(ruleOf(() => checkCanDeactivate(office, [office, higher]))).toBeUndefined();
  });
  it("refuses deactivating an inactive config", () => {
    expect(ruleOf(() => checkCanDeactivate({ ...office, isActive: false }, [higher]))).toBe("deactivation_over_deletion");
  });
});

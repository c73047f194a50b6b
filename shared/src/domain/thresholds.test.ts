import { describe, expect, it } from "vitest";
import { fromMinorUnits, sumAmounts, toMinorUnits } from "./money.ts";
import { thresholdTier } from "../testing/fixtures.ts";
import { periodTypesInUse, progressToward, tiersCrossed, tiersEffectiveAt, type ThresholdTier } from "./thresholds.ts";

const tier = (overrides: Partial<ThresholdTier>): ThresholdTier =>
  thresholdTier({ configId: "c", effectiveFrom: new Date("2026-01-01T00:00:00+01:00"), ...overrides });

const office = tier({ configId: "office" });
const higher = tier({ configId: "higher", thresholdCount: 15, tierOrder: 2, honorariumAmount: "1500.00", thresholdLevel: "higher_rate" });

describe("tiersEffectiveAt", () => {
  it("keeps active tiers whose window contains the instant, sorted by count", () => {
    const expired = tier({ configId: "old", effectiveUntil: new Date("2026-02-01T00:00:00Z") });
    const future = tier({ configId: "future", effectiveFrom: new Date("2027-01-01T00:00:00Z") });
    const inactive = tier({ configId: "off", isActive: false });
    const at = new Date("2026-03-01T12:00:00Z");
    expect(tiersEffectiveAt([higher, expired, future, inactive, office], at).map((t) => t.configId)).toEqual(["office", "higher"]);
  });
  it("treats effective_until as exclusive and effective_from as inclusive", () => {
    const until = new Date("2026-06-01T00:00:00Z");
    const bounded = tier({ effectiveFrom: until, configId: "from" });
    const ending = tier({ effectiveUntil: until, configId: "until" });
    expect(tiersEffectiveAt([bounded, ending], until).map((t) => t.configId)).toEqual(["from"]);
  });
});

describe("tiersCrossed", () => {
  it("crosses exactly the tiers between the old and new count", () => {
    expect(tiersCrossed([office, higher], 2, 3)).toEqual([office]);
    expect(tiersCrossed([office, higher], 3, 4)).toEqual([]);
    expect(tiersCrossed([office, higher], 0, 20)).toEqual([office, higher]);
    expect(tiersCrossed([office, higher], 14, 15)).toEqual([higher]);
  });
  it("never crosses on a decrement", () => {
    expect(tiersCrossed([office, higher], 3, 2)).toEqual([]);
  });
});

describe("progressToward", () => {
  it("shows the next tier and how many remain", () => {
    expect(progressToward([higher, office], 1)).toEqual({ reached: [], next: office, remaining: 2 });
    expect(progressToward([higher, office], 3)).toEqual({ reached: [office], next: higher, remaining: 12 });
    expect(progressToward([higher, office], 15)).toEqual({ reached: [office, higher], next: null, remaining: null });
  });
});

describe("periodTypesInUse", () => {
  it("lists each active period type once", () => {
    expect(periodTypesInUse([office, higher, tier({ periodType: "half_year" }), tier({ periodType: "month", isActive: false })])).toEqual([
      "calendar_year",
      "half_year",
    ]);
  });
});

describe("money", () => {
  it("is exact in minor units", () => {
    expect(toMinorUnits("0.1") + toMinorUnits("0.2")).toBe(toMinorUnits("0.30"));
    expect(sumAmounts(["500.00", "1500.5", "0.05"])).toBe("2000.55");
    expect(fromMinorUnits(-1234n)).toBe("-12.34");
    expect(() => toMinorUnits("12,50")).toThrow(RangeError);
    expect(() => toMinorUnits("1.005")).toThrow(RangeError);
  });
});

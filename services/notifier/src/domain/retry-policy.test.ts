import { describe, expect, it } from "vitest";
import { EARLY_LADDER_CAPS_MS, MAX_RETRY_DELAY_MS, nextJobState, retryDelayCapMs, retryDelayMs } from "./retry-policy.ts";

describe("retry delays", () => {
  it("climb a short early ladder of 1, 2, 4 and 8 seconds, then grow from 30 s up to the maximum", () => {
    expect([1, 2, 3, 4].map(retryDelayCapMs)).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect([5, 6, 7].map(retryDelayCapMs)).toEqual([30_000, 60_000, 120_000]);
    expect(retryDelayCapMs(40)).toBe(MAX_RETRY_DELAY_MS);
  });

  it("keep four retries of a transient failure well inside the 60-second promise", () => {
    const worstCase = EARLY_LADDER_CAPS_MS.reduce((sum, cap) => sum + cap, 0);
    expect(worstCase).toBeLessThan(60_000 / 2);
  });

  it("use full jitter: anywhere from zero up to (not including) the cap", () => {
    expect(retryDelayMs(3, () => 0)).toBe(0);
    expect(retryDelayMs(3, () => 0.5)).toBe(2_000);
    expect(retryDelayMs(3, () => 0.999999)).toBeLessThan(4_000);
    expect(retryDelayMs(3, () => 1)).toBeLessThan(4_000);
  });

  it("reject attempt numbers that are not positive integers", () => {
    expect(() => retryDelayCapMs(0)).toThrow(RangeError);
    expect(() => retryDelayCapMs(1.5)).toThrow(RangeError);
  });
});

describe("the next state of a job", () => {
  it("is delivered, skipped or failed without a retry for those outcomes", () => {
    expect(nextJobState("delivered", 1, 10)).toEqual({ status: "delivered" });
    expect(nextJobState("skipped", 1, 10)).toEqual({ status: "skipped" });
    expect(nextJobState("permanent_error", 1, 10)).toEqual({ status: "failed" });
  });

  it("retries a retryable error with the jittered delay until the attempts are used up", () => {
    expect(nextJobState("retryable_error", 2, 10, () => 0.25)).toEqual({ status: "pending", retryInMs: 500 });
    expect(nextJobState("retryable_error", 9, 10, () => 0.25)).toMatchObject({ status: "pending" });
    expect(nextJobState("retryable_error", 10, 10)).toEqual({ status: "failed" });
  });
});

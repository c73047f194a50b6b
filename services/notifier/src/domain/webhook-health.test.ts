import { describe, expect, it } from "vitest";
import { autoDisableVerdict } from "./webhook-health.ts";

const policy = { maxConsecutiveFailures: 50, maxFailingMs: 3 * 24 * 3_600_000 };
const now = new Date("2026-03-10T12:00:00Z");

describe("automatic disabling of a failing webhook", () => {
  it("keeps an endpoint below both limits", () => {
    expect(autoDisableVerdict({ consecutiveFailures: 49, failingSince: new Date("2026-03-08T12:00:01Z") }, now, policy)).toEqual({
      disable: false,
    });
    expect(autoDisableVerdict({ consecutiveFailures: 0, failingSince: null }, now, policy)).toEqual({ disable: false });
  });

  it("disables after the consecutive-failure limit", () => {
    expect(autoDisableVerdict({ consecutiveFailures: 50, failingSince: now }, now, policy)).toEqual({
      disable: true,
      reason: "50 consecutive permanent failures",
    });
  });

  it("disables an endpoint failing for the whole window", () => {
    const verdict = autoDisableVerdict({ consecutiveFailures: 1, failingSince: new Date("2026-03-07T12:00:00Z") }, now, policy);
    expect(verdict).toEqual({ disable: true, reason: "failing without a success since 2026-03-07T12:00:00.000Z" });
  });
});

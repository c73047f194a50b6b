import { describe, expect, it } from "vitest";
import { REMINDER_AFTER_DAYS, overdueCutoff } from "./deliveries.ts";

describe("overdueCutoff", () => {
  it("is exactly ten days (240 hours) before now, whatever the host's zone and DST", () => {
    expect(REMINDER_AFTER_DAYS).toBe(10);
    expect(overdueCutoff(new Date("2026-04-05T12:00:00Z")).toISOString()).toBe("2026-03-26T12:00:00.000Z");
  });
});

import { describe, expect, it } from "vitest";
import { localDateKeyOf, monthKeyOf } from "@honorarium/shared/domain";
import { localCalendarKeys } from "./local-calendar.ts";

describe("localCalendarKeys", () => {
  it("agrees with the shared period helpers around midnights, New Year and DST changes in several zones", () => {
    const zones = ["Europe/Oslo", "America/New_York", "Asia/Kathmandu", "Australia/Eucla", "America/St_Johns", "UTC"];
    const instants: string[] = [];
    for (const start of [
      "2025-12-31T20:00:00Z",
      "2026-03-29T00:00:00Z",
      "2026-10-25T00:00:00Z",
      "2026-03-08T05:00:00Z",
      "2026-11-01T03:00:00Z",
    ]) {
      for (let minute = 0; minute < 8 * 60; minute += 7)
        instants.push(new Date(Date.parse(start) + minute * 60_000 + 59_999).toISOString());
    }
    for (const zone of zones) {
      for (const instant of instants) {
        expect(localCalendarKeys(instant, zone), `${zone} ${instant}`).toEqual({
          monthKey: monthKeyOf(instant, zone),
          dateKey: localDateKeyOf(instant, zone),
        });
      }
    }
  });

  it("places 2025-12-31T23:30Z in 2026 in Oslo and keeps the offset of the input", () => {
    expect(localCalendarKeys("2025-12-31T23:30:00Z", "Europe/Oslo")).toEqual({ monthKey: "2026-01", dateKey: "2026-01-01" });
    expect(localCalendarKeys("2026-01-01T00:30:00+01:00", "Europe/Oslo").dateKey).toBe("2026-01-01");
  });
});

import { describe, expect, it } from "vitest";
import {
  fiscalYearOfPeriod,
  isValidPeriodKey,
  isValidTimeZone,
  localDateKeyOf,
  monthKeyOf,
  monthKeysOfPeriod,
  periodEnd,
  periodKeyOf,
  periodKeyOfMonth,
  periodStart,
} from "./period.ts";

// These tests also run with TZ=UTC and TZ=America/Los_Angeles (vitest projects unit-tz-*):
// the answers must not depend on the host's zone.
const OSLO = "Europe/Oslo";

describe("host time zone of this run", () => {
  // Only the unit-tz-* projects ask for a zone; in the default project this is reported as skipped.
  const expected = process.env.EXPECT_HOST_TZ;
  it.skipIf(expected === undefined)("is the one the vitest project asked for", () => {
    expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe(expected);
  });
});

describe("New Year in Europe/Oslo", () => {
  it("counts 2025-12-31T23:30Z in 2026 (00:30 local)", () => {
    expect(periodKeyOf("calendar_year", "2025-12-31T23:30:00Z", OSLO)).toBe("2026");
    expect(periodKeyOf("half_year", "2025-12-31T23:30:00Z", OSLO)).toBe("2026-H1");
    expect(periodKeyOf("quarter", "2025-12-31T23:30:00Z", OSLO)).toBe("2026-Q1");
    expect(periodKeyOf("month", "2025-12-31T23:30:00Z", OSLO)).toBe("2026-01");
    expect(localDateKeyOf("2025-12-31T23:30:00Z", OSLO)).toBe("2026-01-01");
  });
  it("keeps 2025-12-31T22:59:59Z in 2025 (23:59:59 local)", () => {
    expect(periodKeyOf("calendar_year", "2025-12-31T22:59:59Z", OSLO)).toBe("2025");
    expect(periodKeyOf("half_year", "2025-12-31T22:59:59Z", OSLO)).toBe("2025-H2");
    expect(monthKeyOf("2025-12-31T22:59:59Z", OSLO)).toBe("2025-12");
  });
  it("is exactly 23:00Z the day before", () => {
    expect(periodStart("calendar_year", "2026", OSLO).toISOString()).toBe("2025-12-31T23:00:00.000Z");
    expect(periodEnd("calendar_year", "2025", OSLO).toISOString()).toBe("2025-12-31T23:00:00.000Z");
  });
  it("differs from UTC and from another zone", () => {
    expect(periodKeyOf("calendar_year", "2025-12-31T23:30:00Z", "UTC")).toBe("2025");
    expect(periodKeyOf("calendar_year", "2026-01-01T05:00:00Z", "America/Los_Angeles")).toBe("2025");
  });
  it("honours the offset written in the instant", () => {
    expect(periodKeyOf("calendar_year", "2026-01-01T00:10:00+01:00", OSLO)).toBe("2026");
    expect(periodKeyOf("calendar_year", "2025-12-31T18:10:00-05:00", OSLO)).toBe("2026");
  });
});

describe("half-year boundary (summer time, UTC+2)", () => {
  it("puts 2026-06-30T21:59:59Z in H1 and 22:00Z in H2", () => {
    expect(periodKeyOf("half_year", "2026-06-30T21:59:59Z", OSLO)).toBe("2026-H1");
    expect(periodKeyOf("half_year", "2026-06-30T22:00:00Z", OSLO)).toBe("2026-H2");
    expect(periodStart("half_year", "2026-H2", OSLO).toISOString()).toBe("2026-06-30T22:00:00.000Z");
    expect(periodEnd("half_year", "2026-H1", OSLO).toISOString()).toBe("2026-06-30T22:00:00.000Z");
  });
});

describe("daylight saving changes", () => {
  it("spring forward (2026-03-29 02:00 → 03:00 local) stays on the same day and month", () => {
    expect(localDateKeyOf("2026-03-29T00:59:59Z", OSLO)).toBe("2026-03-29");
    expect(localDateKeyOf("2026-03-29T01:00:00Z", OSLO)).toBe("2026-03-29");
    expect(localDateKeyOf("2026-03-28T22:59:59Z", OSLO)).toBe("2026-03-28");
    expect(localDateKeyOf("2026-03-28T23:00:00Z", OSLO)).toBe("2026-03-29");
  });
  it("the quarter after the spring change starts at 22:00Z (UTC+2)", () => {
    expect(periodKeyOf("quarter", "2026-03-31T21:59:59Z", OSLO)).toBe("2026-Q1");
    expect(periodKeyOf("quarter", "2026-03-31T22:00:00Z", OSLO)).toBe("2026-Q2");
    expect(periodStart("quarter", "2026-Q2", OSLO).toISOString()).toBe("2026-03-31T22:00:00.000Z");
    expect(periodStart("month", "2026-03", OSLO).toISOString()).toBe("2026-02-28T23:00:00.000Z");
    expect(periodEnd("month", "2026-03", OSLO).toISOString()).toBe("2026-03-31T22:00:00.000Z");
  });
  it("fall back (2026-10-25 03:00 → 02:00 local): both 02:30s are the same day", () => {
    expect(localDateKeyOf("2026-10-25T00:30:00Z", OSLO)).toBe("2026-10-25");
    expect(localDateKeyOf("2026-10-25T01:30:00Z", OSLO)).toBe("2026-10-25");
    expect(localDateKeyOf("2026-10-24T21:59:59Z", OSLO)).toBe("2026-10-24");
    expect(localDateKeyOf("2026-10-24T22:00:00Z", OSLO)).toBe("2026-10-25");
    expect(localDateKeyOf("2026-10-25T22:59:59Z", OSLO)).toBe("2026-10-25");
    expect(localDateKeyOf("2026-10-25T23:00:00Z", OSLO)).toBe("2026-10-26");
  });
  it("the month after the autumn change starts at 23:00Z (UTC+1)", () => {
    expect(monthKeyOf("2026-10-31T22:59:59Z", OSLO)).toBe("2026-10");
    expect(monthKeyOf("2026-10-31T23:00:00Z", OSLO)).toBe("2026-11");
    expect(periodStart("month", "2026-11", OSLO).toISOString()).toBe("2026-10-31T23:00:00.000Z");
    expect(periodStart("quarter", "2026-Q4", OSLO).toISOString()).toBe("2026-09-30T22:00:00.000Z");
  });
});

describe("period keys and months", () => {
  it("lists the months of each period", () => {
    expect(monthKeysOfPeriod("calendar_year", "2026")).toHaveLength(12);
    expect(monthKeysOfPeriod("half_year", "2026-H2")).toEqual(["2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"]);
    expect(monthKeysOfPeriod("quarter", "2026-Q2")).toEqual(["2026-04", "2026-05", "2026-06"]);
    expect(monthKeysOfPeriod("month", "2026-02")).toEqual(["2026-02"]);
  });
  it("maps a month to the period containing it", () => {
    expect(periodKeyOfMonth("calendar_year", "2026-12")).toBe("2026");
    expect(periodKeyOfMonth("half_year", "2026-06")).toBe("2026-H1");
    expect(periodKeyOfMonth("half_year", "2026-07")).toBe("2026-H2");
    expect(periodKeyOfMonth("quarter", "2026-09")).toBe("2026-Q3");
    expect(periodKeyOfMonth("month", "2026-09")).toBe("2026-09");
  });
  it("validates period keys and time zones", () => {
    expect(isValidPeriodKey("half_year", "2025-H1")).toBe(true);
    expect(isValidPeriodKey("half_year", "2025-H3")).toBe(false);
    expect(isValidPeriodKey("quarter", "2025-Q5")).toBe(false);
    expect(isValidPeriodKey("month", "2025-13")).toBe(false);
    expect(() => periodKeyOfMonth("month", "2025-00")).toThrow(RangeError);
    expect(() => periodKeyOf("month", "not a date", OSLO)).toThrow(RangeError);
    expect(isValidTimeZone("Europe/Oslo")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
  });
  it("gives the fiscal year of a period", () => {
    expect(fiscalYearOfPeriod("half_year", "2027-H2")).toBe(2027);
    expect(fiscalYearOfPeriod("month", "2025-01")).toBe(2025);
  });
});

import { describe, expect, it } from "vitest";
import { DomainError } from "./errors.ts";
import {
  TIME_ZONE_FIXED_RULE,
  changedFields,
  checkTimeZoneChange,
  hasNoControlCharacters,
  isIanaTimeZoneName,
  isPayeeReference,
  normalizePositiveAmount,
} from "./organization-settings.ts";

describe("isIanaTimeZoneName", () => {
  it("accepts IANA names, including multi-part ones and UTC", () => {
    for (const zone of ["Europe/Oslo", "UTC", "America/Argentina/Buenos_Aires", "Etc/GMT+1", "America/Port-au-Prince"]) {
      expect(isIanaTimeZoneName(zone), zone).toBe(true);
    }
  });
  it("refuses unknown names, offsets, wrong case, blanks and padding", () => {
    for (const zone of ["Europe/Osl", "Mars/Olympus_Mons", "+01:00", "-05:00", "europe/oslo", "", " Europe/Oslo", "Europe/Oslo "]) {
      expect(isIanaTimeZoneName(zone), JSON.stringify(zone)).toBe(false);
    }
  });
});

describe("isPayeeReference", () => {
  it("accepts opaque identifiers up to 64 characters", () => {
    for (const ref of ["A-1001", "payroll:4711", "acct/2026/00042", "x", "a.b_c", "9".repeat(64)])
      expect(isPayeeReference(ref), ref).toBe(true);
  });
  it("refuses full names (spaces), other punctuation, empty and over-long strings", () => {
    for (const ref of ["Kari Nordmann", "", "9".repeat(65), "ref;drop", "æøå", "ref\n", "a b"]) {
      expect(isPayeeReference(ref), JSON.stringify(ref)).toBe(false);
    }
  });
});

describe("hasNoControlCharacters", () => {
  it("refuses line breaks and NUL, accepts Norwegian letters", () => {
    expect(hasNoControlCharacters("Blindeforbundet Østlandet – Tromsø")).toBe(true);
    expect(hasNoControlCharacters("a\nb")).toBe(false);
    expect(hasNoControlCharacters("a\u0000b")).toBe(false);
  });
});

describe("normalizePositiveAmount", () => {
  it("normalises to two decimals", () => {
    expect(normalizePositiveAmount("10000")).toBe("10000.00");
    expect(normalizePositiveAmount("12000.5")).toBe("12000.50");
    expect(normalizePositiveAmount("0.01")).toBe("0.01");
    expect(normalizePositiveAmount("9999999999.99")).toBe("9999999999.99");
  });
  it("refuses zero, negatives, more than two decimals, exponents, blanks and overflow", () => {
    for (const amount of ["0", "0.00", "-1", "1.234", "1e4", "", " 100", "10,000", "12345678901", "NaN"]) {
      expect(normalizePositiveAmount(amount), JSON.stringify(amount)).toBeUndefined();
    }
  });
});

describe("time_zone_fixed_after_first_count", () => {
  it("allows a change while nothing is counted", () => {
    expect(checkTimeZoneChange({ current: "Europe/Oslo", requested: "UTC", hasCountedActivity: false })).toBe(true);
  });
  it("refuses a change once something is counted, naming the rule and both zones", () => {
    try {
      checkTimeZoneChange({ current: "Europe/Oslo", requested: "UTC", hasCountedActivity: true });
      expect.fail("expected a conflict");
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      const domain = error as DomainError;
      expect(domain.kind).toBe("conflict");
      expect(domain.rule).toBe(TIME_ZONE_FIXED_RULE);
      expect(domain.details).toEqual({ currentTimeZone: "Europe/Oslo", requestedTimeZone: "UTC" });
    }
  });
  it("the same zone, or none, is no change even after counting", () => {
    expect(checkTimeZoneChange({ current: "Europe/Oslo", requested: "Europe/Oslo", hasCountedActivity: true })).toBe(false);
    expect(checkTimeZoneChange({ current: "Europe/Oslo", requested: undefined, hasCountedActivity: true })).toBe(false);
  });
});

describe("changedFields", () => {
  it("names the fields whose values differ", () => {
    const before = { displayName: null as string | null, timeZone: "Europe/Oslo", locale: "nb" };
    expect(changedFields(before, { ...before, locale: "en", displayName: "Org" }, ["displayName", "timeZone", "locale"])).toEqual([
      "displayName",
      "locale",
    ]);
    expect(changedFields(before, { ...before }, ["displayName", "timeZone", "locale"])).toEqual([]);
  });
});

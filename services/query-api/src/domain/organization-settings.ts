import { fromMinorUnits, isValidTimeZone, toMinorUnits } from "@honorarium/shared/domain";
import { DomainError } from "./errors.ts";

/** Norwegian tax: honoraria from a non-profit up to NOK 10,000 per income year are tax-free (when an organisation sets nothing). */
export const STATUTORY_TAX_FREE_LIMIT = "10000.00";

/**
 * An IANA time zone name the runtime knows (`Europe/Oslo`, `UTC`, `America/Argentina/Buenos_Aires`).
 * Intl also accepts UTC offsets (`+01:00`) and any letter case (`europe/oslo`); neither is an IANA
 * name, and an offset has no daylight saving time, so both are refused.
 */
export function isIanaTimeZoneName(name: string): boolean {
  return name.length <= 64 && /^[A-Z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name) && isValidTimeZone(name);
}

/**
 * An organisation's opaque reference for paying a mentor (its payroll or accounting id): letters,
 * digits and `. _ : / -`, at most 64 characters. No spaces, so a person's name ("Kari Nordmann")
 * cannot be stored by accident; the reference itself must never be a name.
 */
export const PAYEE_REFERENCE_PATTERN = /^[A-Za-z0-9._:/-]{1,64}$/;

export function isPayeeReference(value: string): boolean {
  return PAYEE_REFERENCE_PATTERN.test(value);
}

/** Display names: no control characters (line breaks, NUL), which no label needs. */
export function hasNoControlCharacters(value: string): boolean {
  return !/\p{Cc}/u.test(value);
}

/** A non-negative decimal string with at most two decimals that fits numeric(12,2). */
export const AMOUNT_PATTERN = /^\d{1,10}(\.\d{1,2})?$/;

/**
 * A tax-free limit as entered: a decimal string with at most two decimals, above zero, that fits
 * numeric(12,2). Returns it normalised to two decimals ("10000" → "10000.00"), or undefined.
 * Exact arithmetic (bigint øre), never floats.
 */
export function normalizePositiveAmount(amount: string): string | undefined {
  if (!AMOUNT_PATTERN.test(amount)) return undefined;
  const minor = toMinorUnits(amount);
  return minor > 0n ? fromMinorUnits(minor) : undefined;
}

export const TIME_ZONE_FIXED_RULE = "time_zone_fixed_after_first_count";

/**
 * Decision (issue 12, item 5): the time zone decides which local month, half-year and year each
 * assignment counted in, and the counter stores those month keys and crossings. Changing the zone
 * later would make new events fall into periods computed differently from the ones already counted
 * (an assignment at 23:30 UTC on 31 December would move year), so a change is allowed only while
 * the organisation has nothing counted in a period yet. Setting the zone it already has is no change.
 * Returns whether the zone changes.
 */
export function checkTimeZoneChange(input: { current: string; requested: string | undefined; hasCountedActivity: boolean }): boolean {
  if (input.requested === undefined || input.requested === input.current) return false;
  if (input.hasCountedActivity) {
    throw new DomainError(
      "conflict",
      `the time zone is fixed once assignments have been counted (periods already counted in ${input.current} must not shift)`,
      { rule: TIME_ZONE_FIXED_RULE, details: { currentTimeZone: input.current, requestedTimeZone: input.requested } },
    );
  }
  return true;
}

/** The fields of `after` that differ from `before` (values compared as JSON scalars). */
export function changedFields<T extends object>(before: T, after: T, fields: readonly (keyof T)[]): (keyof T)[] {
  return fields.filter((field) => before[field] !== after[field]);
}

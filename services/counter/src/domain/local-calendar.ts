import { localDateKeyOf } from "@honorarium/shared/domain";

export interface LocalCalendarKeys {
  /** `YYYY-MM` in the organization's time zone. */
  monthKey: string;
  /** `YYYY-MM-DD` in the organization's time zone. */
  dateKey: string;
}

const QUARTER_HOUR_MS = 900_000;
const MAX_ENTRIES = 100_000;
/** By time zone, then UTC quarter hour: numeric keys, no string built per call. */
const cache = new Map<string, Map<number, LocalCalendarKeys>>();

/**
 * The local month and day of an instant, memoized per time zone and UTC quarter hour.
 * Exact because every current UTC offset and every transition (midnight, DST) falls on a
 * quarter hour in UTC, so the local date cannot change inside one. Intl is the hot spot of
 * the counter otherwise (a few microseconds per call, several calls per event).
 */
export function localCalendarKeys(instant: string, timeZone: string): LocalCalendarKeys {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`not a valid instant: ${instant}`);
  const bucket = Math.floor(ms / QUARTER_HOUR_MS);
  let zone = cache.get(timeZone);
  if (zone === undefined) {
    zone = new Map();
    cache.set(timeZone, zone);
  }
  let keys = zone.get(bucket);
  if (keys === undefined) {
    const dateKey = localDateKeyOf(new Date(bucket * QUARTER_HOUR_MS), timeZone);
    keys = { monthKey: dateKey.slice(0, 7), dateKey };
    if (zone.size >= MAX_ENTRIES) zone.clear();
    zone.set(bucket, keys);
  }
  return keys;
}

/**
 * Counting periods, computed in the organization's time zone — never the host's.
 * Every period is a whole number of local months, so counters are kept per month
 * and any period's count is the sum of its months.
 */
export const PERIOD_TYPES = ["calendar_year", "half_year", "quarter", "month"] as const;
export type PeriodType = (typeof PERIOD_TYPES)[number];

export const DEFAULT_TIME_ZONE = "Europe/Oslo";

/** A local calendar date in some time zone. */
export interface LocalDate {
  year: number;
  month: number; // 1-12
  day: number; // 1-31
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

function toDate(instant: Date | string): Date {
  const date = typeof instant === "string" ? new Date(instant) : instant;
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a valid instant: ${String(instant)}`);
  return date;
}

export interface LocalDateTime extends LocalDate {
  hour: number;
  minute: number;
  second: number;
}

function localDateTimeOf(instant: Date, timeZone: string): LocalDateTime {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? Number.NaN,
    month: parts.month ?? Number.NaN,
    day: parts.day ?? Number.NaN,
    hour: parts.hour ?? Number.NaN,
    minute: parts.minute ?? Number.NaN,
    second: parts.second ?? Number.NaN,
  };
}

/** The wall-clock date and time an instant shows in `timeZone`. */
export function localTimeOf(instant: Date | string, timeZone: string = DEFAULT_TIME_ZONE): LocalDateTime {
  return localDateTimeOf(toDate(instant), timeZone);
}

/** The calendar date an instant falls on in `timeZone`. */
export function localDateOf(instant: Date | string, timeZone: string = DEFAULT_TIME_ZONE): LocalDate {
  const { year, month, day } = localDateTimeOf(toDate(instant), timeZone);
  return { year, month, day };
}

const pad2 = (n: number): string => String(n).padStart(2, "0");

/** `YYYY-MM-DD` in `timeZone`: the activity day Bufdir counts. */
export function localDateKeyOf(instant: Date | string, timeZone: string = DEFAULT_TIME_ZONE): string {
  const { year, month, day } = localDateOf(instant, timeZone);
  return `${year}-${pad2(month)}-${pad2(day)}`;
}

/** `YYYY-MM` in `timeZone`: the counters' bucket. */
export function monthKeyOf(instant: Date | string, timeZone: string = DEFAULT_TIME_ZONE): string {
  const { year, month } = localDateOf(instant, timeZone);
  return `${year}-${pad2(month)}`;
}

function periodKeyOfLocal(periodType: PeriodType, year: number, month: number): string {
  switch (periodType) {
    case "calendar_year":
      return String(year);
    case "half_year":
      return `${year}-H${month <= 6 ? 1 : 2}`;
    case "quarter":
      return `${year}-Q${Math.ceil(month / 3)}`;
    case "month":
      return `${year}-${pad2(month)}`;
  }
}

/** The key of the period an instant falls in: `2026`, `2026-H1`, `2026-Q3`, `2026-07`. */
export function periodKeyOf(periodType: PeriodType, instant: Date | string, timeZone: string = DEFAULT_TIME_ZONE): string {
  const { year, month } = localDateOf(instant, timeZone);
  return periodKeyOfLocal(periodType, year, month);
}

const MONTH_KEY = /^(\d{4})-(0[1-9]|1[0-2])$/;

function parseMonthKey(monthKey: string): { year: number; month: number } {
  const match = MONTH_KEY.exec(monthKey);
  if (match === null) throw new RangeError(`not a month key (YYYY-MM): ${monthKey}`);
  return { year: Number(match[1]), month: Number(match[2]) };
}

/** The key of the period (of `periodType`) that contains the month `YYYY-MM`. */
export function periodKeyOfMonth(periodType: PeriodType, monthKey: string): string {
  const { year, month } = parseMonthKey(monthKey);
  return periodKeyOfLocal(periodType, year, month);
}

const PERIOD_KEY_PATTERNS: Record<PeriodType, RegExp> = {
  calendar_year: /^(\d{4})$/,
  half_year: /^(\d{4})-H([12])$/,
  quarter: /^(\d{4})-Q([1-4])$/,
  month: /^(\d{4})-(0[1-9]|1[0-2])$/,
};

export function isValidPeriodKey(periodType: PeriodType, periodKey: string): boolean {
  return PERIOD_KEY_PATTERNS[periodType].test(periodKey);
}

/** First and last month (1-12) and the year of a period key. */
function periodMonths(periodType: PeriodType, periodKey: string): { year: number; first: number; last: number } {
  const match = PERIOD_KEY_PATTERNS[periodType].exec(periodKey);
  if (match === null) throw new RangeError(`not a ${periodType} period key: ${periodKey}`);
  const year = Number(match[1]);
  const n = Number(match[2]);
  switch (periodType) {
    case "calendar_year":
      return { year, first: 1, last: 12 };
    case "half_year":
      return { year, first: n === 1 ? 1 : 7, last: n === 1 ? 6 : 12 };
    case "quarter":
      return { year, first: 3 * n - 2, last: 3 * n };
    case "month":
      return { year, first: n, last: n };
  }
}

/** The `YYYY-MM` keys a period consists of, in order. */
export function monthKeysOfPeriod(periodType: PeriodType, periodKey: string): string[] {
  const { year, first, last } = periodMonths(periodType, periodKey);
  const keys: string[] = [];
  for (let month = first; month <= last; month++) keys.push(`${year}-${pad2(month)}`);
  return keys;
}

/** The fiscal (calendar) year a period belongs to: Norway's income year. */
export function fiscalYearOfPeriod(periodType: PeriodType, periodKey: string): number {
  return periodMonths(periodType, periodKey).year;
}

/** The UTC offset of `timeZone` at `instant`, in milliseconds (east positive). */
function offsetMs(instant: Date, timeZone: string): number {
  const local = localDateTimeOf(instant, timeZone);
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The instant local midnight starts `date` in `timeZone` (the first instant of that local day). */
export function startOfLocalDay(date: LocalDate, timeZone: string = DEFAULT_TIME_ZONE): Date {
  const wallClock = Date.UTC(date.year, date.month - 1, date.day);
  // Two passes: the offset at the guess may differ from the offset at the answer across a DST change.
  let guess = wallClock - offsetMs(new Date(wallClock), timeZone);
  guess = wallClock - offsetMs(new Date(guess), timeZone);
  return new Date(guess);
}

/** The first instant of a period in `timeZone`. */
export function periodStart(periodType: PeriodType, periodKey: string, timeZone: string = DEFAULT_TIME_ZONE): Date {
  const { year, first } = periodMonths(periodType, periodKey);
  return startOfLocalDay({ year, month: first, day: 1 }, timeZone);
}

/** The first instant after a period in `timeZone` (its exclusive end). */
export function periodEnd(periodType: PeriodType, periodKey: string, timeZone: string = DEFAULT_TIME_ZONE): Date {
  const { year, last } = periodMonths(periodType, periodKey);
  return last === 12
    ? startOfLocalDay({ year: year + 1, month: 1, day: 1 }, timeZone)
    : startOfLocalDay({ year, month: last + 1, day: 1 }, timeZone);
}

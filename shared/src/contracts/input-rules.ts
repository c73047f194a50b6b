import type { z } from "zod";
import type { DeadLetterErrorCode } from "./topics.ts";

/**
 * One set of input rules for every topic (issue 13): what every consumer checks before an event is
 * used, so a message is dead-lettered for the same reasons whichever service reads it.
 *
 * Times: on or after SUPPORTED_TIME_FROM, before SUPPORTED_TIME_UNTIL (fiscal years 2000-2099 are
 * what spec 003 can record), and at most MAX_AHEAD_OF_BROKER_MS after the message's broker
 * timestamp (a clock a few days off is tolerated, a year 9999 tombstone or period is not). The
 * broker timestamp, not the wall clock, so a replay decides exactly as the first pass did.
 *
 * Text: Postgres text and jsonb cannot hold U+0000, and a lone UTF-16 surrogate is not Unicode
 * (jsonb refuses its escape). Both are replaced by U+FFFD at decoding, in every string of the
 * event, extra fields and keys included: the event still applies (a cancellation whose reason
 * holds a NUL must not leave its assignment counted), and the replacement shows where text was lost.
 */
export const SUPPORTED_TIME_FROM = "2000-01-01T00:00:00.000Z";
export const SUPPORTED_TIME_UNTIL = "2099-12-31T00:00:00.000Z";
export const MAX_AHEAD_OF_BROKER_MS = 7 * 24 * 60 * 60 * 1000;

const FROM_MS = Date.parse(SUPPORTED_TIME_FROM);
const UNTIL_MS = Date.parse(SUPPORTED_TIME_UNTIL);

/** A time field of an event and whether it may lie ahead of the broker's clock (an expiry may). */
export interface TimeField<T> {
  name: string;
  read: (event: T) => string | null | undefined;
  /** Checked against the broker timestamp as well as the absolute window. */
  boundByBroker: boolean;
}

// NUL, a high surrogate not followed by a low one, a low surrogate not preceded by a high one.
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text with NUL and lone surrogates replaced by U+FFFD: storable in Postgres text and jsonb. */
export function escapeUnstorableText(text: string): string {
  return text.replace(UNSTORABLE, "\uFFFD");
}

/** escapeUnstorableText through a parsed JSON value: every string and every object key. */
export function escapeUnstorableJson(value: unknown): unknown {
  if (typeof value === "string") return escapeUnstorableText(value);
  if (Array.isArray(value)) return value.map(escapeUnstorableJson);
  if (value !== null && typeof value === "object") {
    const result: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) result[escapeUnstorableText(key)] = escapeUnstorableJson(inner);
    return result;
  }
  return value;
}

/** Why a time is outside the supported window, or undefined when it is inside. */
export function timeWindowViolation(name: string, value: string, brokerTimestampMs: number | undefined, boundByBroker: boolean): string | undefined {
  const at = Date.parse(value);
  if (Number.isNaN(at)) return `${name}: ${value} is not a time`;
  if (at < FROM_MS || at >= UNTIL_MS) return `${name}: ${value} is outside the supported window ${SUPPORTED_TIME_FROM} to ${SUPPORTED_TIME_UNTIL}`;
  if (boundByBroker && brokerTimestampMs !== undefined && at > brokerTimestampMs + MAX_AHEAD_OF_BROKER_MS) {
    return `${name}: ${value} is more than 7 days after the message's broker timestamp ${new Date(brokerTimestampMs).toISOString()}`;
  }
  return undefined;
}

/** A Kafka message timestamp (ms since the epoch, as text) as a number; undefined when absent (-1) or not a number. */
export function brokerTimestampOf(timestamp: string | undefined): number | undefined {
  if (timestamp === undefined) return undefined;
  const ms = Number(timestamp);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

export type DecodedEvent<T> = { ok: true; event: T } | { ok: false; errorCode: DeadLetterErrorCode; reason: string };

export interface DecodeRules<T> {
  schema: z.ZodType<T>;
  timeFields: readonly TimeField<T>[];
  /** Larger values are never parsed. */
  maxBytes?: number;
}

const MAX_REASON_LENGTH = 500;

function truncate(text: string): string {
  return text.length <= MAX_REASON_LENGTH ? text : `${text.slice(0, MAX_REASON_LENGTH - 1)}…`;
}

/** Names every failing field, so whoever reads the dead letter knows what to fix. */
export function describeSchemaIssues(issues: readonly z.core.$ZodIssue[]): string {
  return truncate(issues.map((issue) => `${issue.path.length === 0 ? "(message)" : issue.path.join(".")}: ${issue.message}`).join("; "));
}

/**
 * A Kafka message value → a valid event, or the reason it is a dead letter, by the rules above:
 * size first (an oversized message is never parsed), JSON, text made storable, the schema, the times.
 */
export function decodeEvent<T>(value: Buffer | null, timestamp: string | undefined, rules: DecodeRules<T>): DecodedEvent<T> {
  if (value === null || value.length === 0) return { ok: false, errorCode: "not_json", reason: "empty message value" };
  if (rules.maxBytes !== undefined && value.length > rules.maxBytes) {
    return { ok: false, errorCode: "too_large", reason: `message is ${value.length} bytes, larger than the limit of ${rules.maxBytes}` };
  }
  const text = value.toString("utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, errorCode: "not_json", reason: truncate(`not valid JSON: ${error instanceof Error ? error.message : String(error)}`) };
  }
  // Parsed JSON holds a NUL or a lone surrogate only through a \u escape: JSON refuses a raw control
  // character in a string, and UTF-8 decoding turns invalid bytes into U+FFFD. Without one, the
  // parsed value is already storable and is not copied (the hot path: a copy of every event).
  const parsed = rules.schema.safeParse(text.includes("\\u") ? escapeUnstorableJson(json) : json);
  if (!parsed.success) return { ok: false, errorCode: "schema", reason: describeSchemaIssues(parsed.error.issues) };
  const brokerMs = brokerTimestampOf(timestamp);
  const violations = rules.timeFields.flatMap((field) => {
    const at = field.read(parsed.data);
    const violation = at === null || at === undefined ? undefined : timeWindowViolation(field.name, at, brokerMs, field.boundByBroker);
    return violation === undefined ? [] : [violation];
  });
  if (violations.length > 0) return { ok: false, errorCode: "schema", reason: truncate(violations.join("; ")) };
  return { ok: true, event: parsed.data };
}

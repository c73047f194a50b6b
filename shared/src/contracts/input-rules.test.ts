import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  EXAMPLE_ASSIGNMENT_CANCELLED,
  EXAMPLE_ASSIGNMENT_CONFIRMED,
  EXAMPLE_ASSIGNMENT_DELIVERY,
  assignmentDeliverySchema,
  assignmentDeliveryTimes,
  assignmentCancelledSchema,
  assignmentCancelledTimes,
  assignmentConfirmedSchema,
  assignmentConfirmedTimes,
  decodeEvent,
  escapeUnstorableText,
  timeWindowViolation,
} from "./index.ts";

const encode = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value));
const confirmedRules = { schema: assignmentConfirmedSchema, timeFields: assignmentConfirmedTimes, maxBytes: 10_000 };
// Broker timestamps are fixed in the tests (never today's date): 2026-03-10T12:00Z.
const BROKER = String(Date.parse("2026-03-10T12:00:00Z"));

describe("decodeEvent (one set of input rules for every topic)", () => {
  it("accepts a valid event and keeps unknown fields", () => {
    const decoded = decodeEvent(encode({ ...EXAMPLE_ASSIGNMENT_CONFIRMED, extra: 1, confirmedAt: "2026-03-09T10:00:00Z" }), BROKER, confirmedRules);
    expect(decoded).toMatchObject({ ok: true, event: { extra: 1, assignmentId: EXAMPLE_ASSIGNMENT_CONFIRMED.assignmentId } });
  });

  it("names each failing field", () => {
    const decoded = decodeEvent(encode({ ...EXAMPLE_ASSIGNMENT_CONFIRMED, peerMentorId: undefined, confirmedAt: 5 }), BROKER, confirmedRules);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) {
      expect(decoded.errorCode).toBe("schema");
      expect(decoded.reason).toMatch(/peerMentorId/);
      expect(decoded.reason).toMatch(/confirmedAt/);
    }
  });

  it("reports not-JSON, empty and oversized messages without parsing the oversized one", () => {
    expect(decodeEvent(encode("{oops"), BROKER, { ...confirmedRules, maxBytes: 100 })).toMatchObject({ ok: false, errorCode: "not_json" });
    expect(decodeEvent(null, BROKER, confirmedRules)).toMatchObject({ ok: false, errorCode: "not_json" });
    expect(decodeEvent(encode("x".repeat(101)), BROKER, { ...confirmedRules, maxBytes: 100 })).toMatchObject({
      ok: false,
      errorCode: "too_large",
    });
  });

  it("refuses times before 2000, from 2099-12-31 and more than 7 days after the broker timestamp", () => {
    const at = (confirmedAt: string) => decodeEvent(encode({ ...EXAMPLE_ASSIGNMENT_CONFIRMED, confirmedAt }), BROKER, confirmedRules);
    expect(at("1999-12-31T23:59:59Z")).toMatchObject({ ok: false, errorCode: "schema", reason: expect.stringMatching(/confirmedAt.*supported window/) });
    expect(at("9999-01-01T00:00:00Z")).toMatchObject({ ok: false, reason: expect.stringMatching(/supported window/) });
    expect(at("2026-03-17T12:00:01Z")).toMatchObject({ ok: false, reason: expect.stringMatching(/more than 7 days after the message's broker timestamp/) });
    expect(at("2026-03-17T12:00:00Z").ok).toBe(true);
    expect(at("2000-01-01T00:00:00Z").ok).toBe(true);
    // Without a broker timestamp (-1) only the absolute window applies.
    expect(decodeEvent(encode({ ...EXAMPLE_ASSIGNMENT_CONFIRMED, confirmedAt: "2090-01-01T00:00:00Z" }), "-1", confirmedRules).ok).toBe(true);
  });

  it("the same window for a cancellation: a year-9999 cancellation never becomes a tombstone", () => {
    const decoded = decodeEvent(encode({ ...EXAMPLE_ASSIGNMENT_CANCELLED, cancelledAt: "9999-01-01T00:00:00Z" }), BROKER, {
      schema: assignmentCancelledSchema,
      timeFields: assignmentCancelledTimes,
    });
    expect(decoded).toMatchObject({ ok: false, errorCode: "schema", reason: expect.stringMatching(/cancelledAt/) });
  });

  it("the same window for a delivery's time; its expiry may lie further ahead, inside the absolute window", () => {
    const rules = { schema: assignmentDeliverySchema, timeFields: assignmentDeliveryTimes };
    const delivery = (at: string, expiresAt: string | null) => encode({ ...EXAMPLE_ASSIGNMENT_DELIVERY, at, expiresAt });
    expect(decodeEvent(delivery("9999-01-01T00:00:00Z", null), BROKER, rules)).toMatchObject({ ok: false, reason: expect.stringMatching(/^at: /) });
    expect(decodeEvent(delivery("2026-03-10T10:00:00Z", "2026-06-01T00:00:00Z"), BROKER, rules).ok).toBe(true);
    expect(decodeEvent(delivery("2026-03-10T10:00:00Z", "9999-01-01T00:00:00Z"), BROKER, rules)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^expiresAt: /),
    });
  });

  it("replaces NUL and lone surrogates in every string (extra fields and keys too), so the event still applies", () => {
    const value = encode(
      `{"eventId":"${EXAMPLE_ASSIGNMENT_CANCELLED.eventId}","assignmentId":"${EXAMPLE_ASSIGNMENT_CANCELLED.assignmentId}",` +
        `"peerMentorId":"${EXAMPLE_ASSIGNMENT_CANCELLED.peerMentorId}","organizationId":"${EXAMPLE_ASSIGNMENT_CANCELLED.organizationId}",` +
        `"cancelledAt":"2026-03-09T10:00:00Z","reason":"sick\\u0000 \\ud800","x\\u0000":{"note":"\\udc00a"}}`,
    );
    const decoded = decodeEvent(value, BROKER, { schema: assignmentCancelledSchema, timeFields: assignmentCancelledTimes });
    expect(decoded.ok).toBe(true);
    if (decoded.ok) {
      expect(decoded.event.reason).toBe("sick\uFFFD \uFFFD");
      expect(decoded.event["x\uFFFD"]).toEqual({ note: "\uFFFDa" });
    }
  });

  it("any reason decodes to its storable form, whether its JSON escapes the unstorable characters or not", () => {
    const piece = fc.oneof(fc.constantFrom("\u0000", "\ud800", "\udc00", "\ud83d\ude00", "\\", "\\u", "u0000", "\"", "æ"), fc.string());
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const reason = pieces.join("");
        const event = { ...EXAMPLE_ASSIGNMENT_CANCELLED, cancelledAt: "2026-03-09T10:00:00Z", reason };
        const rules = { schema: assignmentCancelledSchema, timeFields: assignmentCancelledTimes };
        // JSON.stringify escapes NUL and lone surrogates (\\u0000, \\ud800). Written raw instead, a
        // lone surrogate is U+FFFD in UTF-8 (and the decoder takes its no-escape path); a raw NUL is not JSON.
        const escaped = JSON.stringify(event);
        const raw = escaped.replace(/(?<!\\)((?:\\\\)*)\\u(d[89a-f][0-9a-f]{2})/g, (_, slashes: string, hex: string) =>
          `${slashes}${String.fromCharCode(parseInt(hex, 16))}`,
        );
        for (const text of [escaped, raw]) {
          const decoded = decodeEvent(Buffer.from(text), BROKER, rules);
          expect(decoded.ok && decoded.event.reason).toBe(escapeUnstorableText(reason));
        }
      }),
    );
  });

  it("keeps well-formed text, surrogate pairs included", () => {
    expect(escapeUnstorableText("Ærlig 😀 ok")).toBe("Ærlig 😀 ok");
    expect(escapeUnstorableText("\u0000\ud83d")).toBe("\uFFFD\uFFFD");
    expect(timeWindowViolation("at", "not a time", undefined, true)).toMatch(/not a time/);
  });
});

describe("storable text in the schemas (producers validating with them get the same rule)", () => {
  it("a reason with a NUL parses with U+FFFD in its place", () => {
    const parsed = assignmentCancelledSchema.parse({ ...EXAMPLE_ASSIGNMENT_CANCELLED, reason: "a\u0000b" });
    expect(parsed.reason).toBe("a\uFFFDb");
  });
});

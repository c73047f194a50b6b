import { describe, expect, it } from "vitest";
import { assignmentConfirmedSchema, EXAMPLE_ASSIGNMENT_CONFIRMED } from "@honorarium/shared/contracts";
import { decodeMessage } from "./decode.ts";

const encode = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value));

describe("decodeMessage", () => {
  it("accepts a valid event and keeps unknown fields", () => {
    const decoded = decodeMessage(encode({ ...EXAMPLE_ASSIGNMENT_CONFIRMED, extra: 1 }), assignmentConfirmedSchema, 10_000);
    expect(decoded).toMatchObject({ ok: true, event: { extra: 1, assignmentId: EXAMPLE_ASSIGNMENT_CONFIRMED.assignmentId } });
  });

  it("names each failing field", () => {
    const decoded = decodeMessage(
      encode({ ...EXAMPLE_ASSIGNMENT_CONFIRMED, peerMentorId: undefined, confirmedAt: 5 }),
      assignmentConfirmedSchema,
      10_000,
    );
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) {
      expect(decoded.errorCode).toBe("schema");
      expect(decoded.reason).toMatch(/peerMentorId/);
      expect(decoded.reason).toMatch(/confirmedAt/);
    }
  });

  it("reports not-JSON, empty and oversized messages without parsing the oversized one", () => {
    expect(decodeMessage(encode("{oops"), assignmentConfirmedSchema, 100)).toMatchObject({ ok: false, errorCode: "not_json" });
    expect(decodeMessage(null, assignmentConfirmedSchema, 100)).toMatchObject({ ok: false, errorCode: "not_json" });
    expect(decodeMessage(encode("x".repeat(101)), assignmentConfirmedSchema, 100)).toMatchObject({ ok: false, errorCode: "too_large" });
  });
});

import { describe, expect, it } from "vitest";
import {
  EXAMPLE_ASSIGNMENT_CANCELLED,
  EXAMPLE_ASSIGNMENT_CONFIRMED,
  EXAMPLE_ASSIGNMENT_DELIVERY,
  EXAMPLE_THRESHOLD_CROSSED,
  TOPICS,
  assignmentCancelledSchema,
  assignmentConfirmedSchema,
  assignmentDeliverySchema,
  deadLetterTopicOf,
  thresholdCrossedEventId,
  thresholdCrossedSchema,
} from "./index.ts";

describe("event contracts", () => {
  it("accept their example messages", () => {
    expect(assignmentConfirmedSchema.parse(EXAMPLE_ASSIGNMENT_CONFIRMED)).toEqual(EXAMPLE_ASSIGNMENT_CONFIRMED);
    expect(assignmentCancelledSchema.parse(EXAMPLE_ASSIGNMENT_CANCELLED)).toEqual(EXAMPLE_ASSIGNMENT_CANCELLED);
    expect(assignmentDeliverySchema.parse(EXAMPLE_ASSIGNMENT_DELIVERY)).toEqual(EXAMPLE_ASSIGNMENT_DELIVERY);
    expect(thresholdCrossedSchema.parse(EXAMPLE_THRESHOLD_CROSSED)).toEqual(EXAMPLE_THRESHOLD_CROSSED);
  });

  it("keep unknown extra fields (forward compatible)", () => {
    const parsed = assignmentConfirmedSchema.parse({ ...EXAMPLE_ASSIGNMENT_CONFIRMED, source: "app-v2" });
    expect(parsed.source).toBe("app-v2");
  });

  it("reject a missing field, a wrong type, a bad uuid and a time without offset, naming the field", () => {
    const { confirmedAt: _omitted, ...missing } = EXAMPLE_ASSIGNMENT_CONFIRMED;
    const cases: [unknown, string][] = [
      [missing, "confirmedAt"],
      [{ ...EXAMPLE_ASSIGNMENT_CONFIRMED, scopeId: 42 }, "scopeId"],
      [{ ...EXAMPLE_ASSIGNMENT_CONFIRMED, peerMentorId: "mentor-1" }, "peerMentorId"],
      [{ ...EXAMPLE_ASSIGNMENT_CONFIRMED, confirmedAt: "2026-03-14T09:30:00" }, "confirmedAt"],
    ];
    for (const [input, field] of cases) {
      const result = assignmentConfirmedSchema.safeParse(input);
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((issue) => issue.path.join("."))).toContain(field);
    }
  });

  it("lower-case every id, so one id is one map key whatever case the producer writes", () => {
    const upper = Object.fromEntries(
      Object.entries(EXAMPLE_ASSIGNMENT_CONFIRMED).map(([key, value]) => [key, key.endsWith("Id") && typeof value === "string" ? value.toUpperCase() : value]),
    );
    expect(assignmentConfirmedSchema.parse(upper)).toEqual(EXAMPLE_ASSIGNMENT_CONFIRMED);
  });

  it("allow a null scope (the whole organization) but not an absent one", () => {
    expect(assignmentConfirmedSchema.safeParse({ ...EXAMPLE_ASSIGNMENT_CONFIRMED, scopeId: null }).success).toBe(true);
    const { scopeId: _omitted, ...noScope } = EXAMPLE_ASSIGNMENT_CONFIRMED;
    expect(assignmentConfirmedSchema.safeParse(noScope).success).toBe(false);
  });

  it("carry money as a decimal string", () => {
    expect(thresholdCrossedSchema.safeParse({ ...EXAMPLE_THRESHOLD_CROSSED, honorariumAmount: 500 }).success).toBe(false);
    expect(thresholdCrossedSchema.safeParse({ ...EXAMPLE_THRESHOLD_CROSSED, honorariumAmount: "500.5" }).success).toBe(true);
  });

  it("name topics and dead-letter topics as the contract says", () => {
    expect(TOPICS).toEqual({
      assignmentConfirmed: "assignment.confirmed.v1",
      assignmentCancelled: "assignment.cancelled.v1",
      assignmentDelivery: "assignment.delivery.v1",
      thresholdCrossed: "honorarium.threshold-crossed.v1",
    });
    expect(deadLetterTopicOf(TOPICS.assignmentConfirmed)).toBe("assignment.confirmed.v1.dlq");
  });

  it("derive one stable v5 eventId per crossing record", () => {
    const recordId = EXAMPLE_THRESHOLD_CROSSED.recordId;
    const eventId = thresholdCrossedEventId(recordId);
    expect(eventId).toBe(thresholdCrossedEventId(recordId));
    expect(EXAMPLE_THRESHOLD_CROSSED.eventId).toBe(eventId);
    expect(eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(eventId).not.toBe(thresholdCrossedEventId("00000000-0000-4000-8000-000000000001"));
  });
});

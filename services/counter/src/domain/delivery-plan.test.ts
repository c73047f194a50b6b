import { describe, expect, it } from "vitest";
import type { AssignmentDelivery } from "@honorarium/shared/contracts";
import {
  type DeliveryEventAt,
  type StoredDelivery,
  accountingPeriodOf,
  crossOrganizationReason,
  deliveryKey,
  periodCountKey,
  periodCountsNeeded,
  planDeliveryBatch,
} from "./delivery-plan.ts";

const ORG = "00000000-0000-4000-8000-000000000001";
const OTHER_ORG = "00000000-0000-4000-8000-000000000002";
const MENTOR = "00000000-0000-4000-8000-0000000000a1";
const COORDINATOR = "00000000-0000-4000-8000-0000000000c1";
const assignment = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

let offset = 0;
function event(n: number, status: AssignmentDelivery["status"], at: string, extra: Partial<AssignmentDelivery> = {}): DeliveryEventAt {
  return {
    offset: String(offset++),
    event: {
      eventId: assignment(9000 + offset),
      assignmentId: assignment(n),
      peerMentorId: MENTOR,
      organizationId: ORG,
      coordinatorId: COORDINATOR,
      status,
      at,
      readReceiptRequired: true,
      deliveryMethod: "push",
      ...extra,
    },
  };
}

const zones = new Map([
  [ORG, "Europe/Oslo"],
  [OTHER_ORG, "Europe/Oslo"],
]);
const empty = { existing: new Map(), periodCounts: new Map(), timeZones: zones, coordinatorOrganizations: new Map() };

describe("accountingPeriodOf", () => {
  it("puts the half-year boundary at local midnight in Oslo (UTC+2 in summer)", () => {
    expect(accountingPeriodOf("2026-06-30T21:59:59Z", "Europe/Oslo")).toBe("2026-H1");
    expect(accountingPeriodOf("2026-06-30T22:00:00Z", "Europe/Oslo")).toBe("2026-H2");
    expect(accountingPeriodOf("2026-12-31T23:00:00Z", "Europe/Oslo")).toBe("2027-H1");
  });
});

describe("planDeliveryBatch", () => {
  it("numbers new records per mentor and period in offset order, starting after the stored count", () => {
    const events = [1, 2, 3, 4].map((n) => event(n, "delivered", `2026-03-0${n}T10:00:00Z`));
    const plan = planDeliveryBatch({ ...empty, periodCounts: new Map([[periodCountKey(ORG, MENTOR, "2026-H1"), 1]]) }, events);
    expect(plan.writes.map((w) => [w.sequenceNumber, w.honorariumTier])).toEqual([
      [2, "none"],
      [3, "tier_1"],
      [4, "none"],
      [5, "none"],
    ]);
  });

  it("creates one record per (assignment, mentor) however many events a batch carries for it", () => {
    const events = [
      event(1, "opened", "2026-03-01T10:05:00Z"),
      event(1, "delivered", "2026-03-01T10:00:00Z"),
      event(1, "read_confirmed", "2026-03-01T10:09:00Z"),
      event(1, "read_confirmed", "2026-03-01T10:09:00Z"),
    ];
    const plan = planDeliveryBatch(empty, events);
    expect(plan.writes).toHaveLength(1);
    expect(plan.writes[0]).toMatchObject({
      status: "read_confirmed",
      sequenceNumber: 1,
      deliveredAt: new Date("2026-03-01T10:05:00Z"),
      openedAt: new Date("2026-03-01T10:05:00Z"),
      readConfirmedAt: new Date("2026-03-01T10:09:00Z"),
    });
    expect(plan.outcomes.map((o) => o.outcome)).toEqual(["created", "stale", "applied", "duplicate"]);
  });

  it("moves an existing record on without renumbering it", () => {
    const stored: StoredDelivery = {
      assignmentId: assignment(1),
      peerMentorId: MENTOR,
      organizationId: ORG,
      status: "delivered",
      deliveredAt: new Date("2026-03-01T10:00:00Z"),
      openedAt: null,
      readConfirmedAt: null,
      accountingPeriod: "2026-H1",
      sequenceNumber: 3,
      expiresAt: null,
    };
    const plan = planDeliveryBatch({ ...empty, existing: new Map([[deliveryKey(assignment(1), MENTOR), stored]]) }, [
      event(1, "opened", "2026-07-01T10:00:00Z"),
    ]);
    expect(plan.writes[0]).toMatchObject({ created: false, status: "opened", sequenceNumber: 3, accountingPeriod: "2026-H1" });
  });

  it("rejects cross-organization dispatch, by the event's coordinatorOrganizationId or by the ledger", () => {
    const plan = planDeliveryBatch({ ...empty, coordinatorOrganizations: new Map([[COORDINATOR, new Set([OTHER_ORG])]]) }, [
      event(1, "delivered", "2026-03-01T10:00:00Z", { coordinatorOrganizationId: OTHER_ORG }),
      event(2, "delivered", "2026-03-01T10:00:00Z"),
      event(3, "delivered", "2026-03-01T10:00:00Z", { coordinatorOrganizationId: ORG }),
    ]);
    expect(plan.rejections.map((r) => r.reason)).toEqual([
      expect.stringMatching(/cross-organization/),
      expect.stringMatching(/known only/),
    ]);
    expect(plan.writes.map((w) => [w.assignmentId, w.sequenceNumber])).toEqual([[assignment(3), 1]]);
  });

  it("accepts a coordinator the ledger does not know, and one known in the mentor's organization", () => {
    const base = event(1, "delivered", "2026-03-01T10:00:00Z").event;
    expect(crossOrganizationReason(base, undefined)).toBeNull();
    expect(crossOrganizationReason(base, new Set([OTHER_ORG, ORG]))).toBeNull();
    expect(crossOrganizationReason(base, new Set([OTHER_ORG]))).toMatch(/prohibited/);
  });

  it("rejects an event naming another organization than its record's", () => {
    const first = event(1, "delivered", "2026-03-01T10:00:00Z");
    const plan = planDeliveryBatch(empty, [first, event(1, "opened", "2026-03-01T11:00:00Z", { organizationId: OTHER_ORG })]);
    expect(plan.outcomes.map((o) => o.outcome)).toEqual(["created", "rejected"]);
  });

  it("asks only for the period counts of records new to the batch", () => {
    const events = [event(1, "delivered", "2026-06-30T21:59:59Z"), event(2, "delivered", "2026-06-30T22:00:00Z")];
    expect(periodCountsNeeded(events, new Map(), zones).map((t) => t.period)).toEqual(["2026-H1", "2026-H2"]);
  });
});

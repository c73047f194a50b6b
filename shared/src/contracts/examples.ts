import type { AssignmentCancelled, AssignmentConfirmed, AssignmentDelivery } from "./assignment-events.ts";
import { randomUUID } from "node:crypto";
import { thresholdCrossedEventId } from "./event-ids.ts";
import type { ThresholdCrossed } from "./threshold-crossed.ts";

/** Example messages, one per topic: documentation that the tests keep honest. */
export const EXAMPLE_ASSIGNMENT_CONFIRMED: AssignmentConfirmed = {
  eventId: "0b9f7a52-3f1e-4c7e-9a55-1f2d3c4b5a61",
  assignmentId: "5d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
  peerMentorId: "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
  organizationId: "1f2e3d4c-5b6a-4978-8877-665544332211",
  scopeId: "2a3b4c5d-6e7f-4081-9293-a4b5c6d7e8f9",
  coordinatorId: "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f",
  confirmedAt: "2026-03-14T09:30:00+01:00",
};

export const EXAMPLE_ASSIGNMENT_CANCELLED: AssignmentCancelled = {
  eventId: "9e8d7c6b-5a49-4837-a261-5f4e3d2c1b0a",
  assignmentId: EXAMPLE_ASSIGNMENT_CONFIRMED.assignmentId,
  peerMentorId: EXAMPLE_ASSIGNMENT_CONFIRMED.peerMentorId,
  organizationId: EXAMPLE_ASSIGNMENT_CONFIRMED.organizationId,
  cancelledAt: "2026-03-15T12:00:00Z",
  reason: "registered twice",
};

export const EXAMPLE_ASSIGNMENT_DELIVERY: AssignmentDelivery = {
  eventId: "4b5c6d7e-8f90-4a1b-9c2d-3e4f5a6b7c8d",
  assignmentId: EXAMPLE_ASSIGNMENT_CONFIRMED.assignmentId,
  peerMentorId: EXAMPLE_ASSIGNMENT_CONFIRMED.peerMentorId,
  organizationId: EXAMPLE_ASSIGNMENT_CONFIRMED.organizationId,
  coordinatorId: EXAMPLE_ASSIGNMENT_CONFIRMED.coordinatorId,
  status: "delivered",
  at: "2026-03-10T08:00:00+01:00",
  readReceiptRequired: true,
  deliveryMethod: "push",
};

export const EXAMPLE_THRESHOLD_CROSSED: ThresholdCrossed = {
  eventId: "167888f3-8921-5ad6-9f31-6cd3909f3d3b",
  recordId: "8e9f0a1b-2c3d-4e5f-9a6b-7c8d9e0f1a2b",
  organizationId: EXAMPLE_ASSIGNMENT_CONFIRMED.organizationId,
  scopeId: EXAMPLE_ASSIGNMENT_CONFIRMED.scopeId,
  peerMentorId: EXAMPLE_ASSIGNMENT_CONFIRMED.peerMentorId,
  coordinatorId: EXAMPLE_ASSIGNMENT_CONFIRMED.coordinatorId,
  tierName: "Kontorhonorar",
  thresholdLevel: "office_honorarium",
  thresholdCount: 3,
  honorariumAmount: "500.00",
  currency: "NOK",
  periodType: "calendar_year",
  periodKey: "2026",
  fiscalYear: 2026,
  assignmentCount: 3,
  triggerAssignmentId: EXAMPLE_ASSIGNMENT_CONFIRMED.assignmentId,
  reachedAt: EXAMPLE_ASSIGNMENT_CONFIRMED.confirmedAt,
  notifyMentor: true,
};

/** A valid crossing with fresh ids (eventId derived from recordId, as the counter does), for tests and benchmarks. */
export function freshThresholdCrossed(overrides: Partial<ThresholdCrossed> = {}): ThresholdCrossed {
  const recordId = overrides.recordId ?? randomUUID();
  return {
    ...EXAMPLE_THRESHOLD_CROSSED,
    organizationId: randomUUID(),
    scopeId: null,
    peerMentorId: randomUUID(),
    coordinatorId: randomUUID(),
    triggerAssignmentId: randomUUID(),
    notifyMentor: false,
    ...overrides,
    recordId,
    eventId: thresholdCrossedEventId(recordId),
  };
}

import { z } from "zod";
import { instantSchema, storableTextSchema, uuidSchema } from "./common.ts";
import type { TimeField } from "./input-rules.ts";

/**
 * assignment.confirmed.v1 — the upstream assignment service confirmed an assignment.
 * Key: peerMentorId (one mentor's events stay in order). Unknown extra fields are kept.
 */
export const assignmentConfirmedSchema = z.looseObject({
  eventId: uuidSchema,
  assignmentId: uuidSchema,
  peerMentorId: uuidSchema,
  organizationId: uuidSchema,
  /** The regional coordination unit (RK); null means the whole organization. */
  scopeId: uuidSchema.nullable(),
  coordinatorId: uuidSchema,
  confirmedAt: instantSchema,
});
export type AssignmentConfirmed = z.infer<typeof assignmentConfirmedSchema>;
export const assignmentConfirmedTimes: readonly TimeField<AssignmentConfirmed>[] = [
  { name: "confirmedAt", read: (event) => event.confirmedAt, boundByBroker: true },
];

/** assignment.cancelled.v1 — a confirmed (or not yet seen) assignment was cancelled. */
export const assignmentCancelledSchema = z.looseObject({
  eventId: uuidSchema,
  assignmentId: uuidSchema,
  peerMentorId: uuidSchema,
  organizationId: uuidSchema,
  cancelledAt: instantSchema,
  /** Free text: NUL and lone surrogates are replaced (U+FFFD), so the cancellation still applies. */
  reason: storableTextSchema.max(500).optional(),
});
export type AssignmentCancelled = z.infer<typeof assignmentCancelledSchema>;
export const assignmentCancelledTimes: readonly TimeField<AssignmentCancelled>[] = [
  { name: "cancelledAt", read: (event) => event.cancelledAt, boundByBroker: true },
];

export const DELIVERY_STATUSES = ["delivered", "opened", "read_confirmed", "expired"] as const;
export const DELIVERY_METHODS = ["push", "in_app", "sms", "email"] as const;

/**
 * assignment.delivery.v1 — an encrypted assignment's delivery to a peer mentor moved on (spec 004).
 * The first event for an (assignment, mentor) pair creates the delivery record.
 */
export const assignmentDeliverySchema = z.looseObject({
  eventId: uuidSchema,
  assignmentId: uuidSchema,
  peerMentorId: uuidSchema,
  organizationId: uuidSchema,
  coordinatorId: uuidSchema,
  /** The coordinator's own organization; must equal organizationId (cross-organization dispatch is prohibited). */
  coordinatorOrganizationId: uuidSchema.optional(),
  status: z.enum(DELIVERY_STATUSES),
  at: instantSchema,
  readReceiptRequired: z.boolean(),
  deliveryMethod: z.enum(DELIVERY_METHODS),
  expiresAt: instantSchema.nullable().optional(),
});
export type AssignmentDelivery = z.infer<typeof assignmentDeliverySchema>;
export const assignmentDeliveryTimes: readonly TimeField<AssignmentDelivery>[] = [
  { name: "at", read: (event) => event.at, boundByBroker: true },
  // An expiry lies ahead by nature: only the absolute window.
  { name: "expiresAt", read: (event) => event.expiresAt, boundByBroker: false },
];

import type { AssignmentDelivery } from "@honorarium/shared/contracts";
import { periodKeyOf } from "@honorarium/shared/domain";
import { type DeliveryRecordState, NEW_DELIVERY, decideDelivery, honorariumTierForSequence } from "./delivery-lifecycle.ts";

/**
 * Spec 004: plans one partition batch of assignment.delivery.v1 events in offset order, against
 * the records and period counts read once for the whole batch. Pure: the handler reads, this
 * decides, the store writes.
 */

export interface DeliveryEventAt {
  offset: string;
  event: AssignmentDelivery;
}

export interface StoredDelivery extends DeliveryRecordState {
  assignmentId: string;
  peerMentorId: string;
  organizationId: string;
  accountingPeriod: string;
  sequenceNumber: number;
  expiresAt: Date | null;
}

/** A record to create or move on (the whole row; the store upserts on (assignment, mentor)). */
export interface DeliveryWrite extends StoredDelivery {
  created: boolean;
  honorariumTier: "none" | "tier_1" | "tier_2";
  readReceiptRequired: boolean;
  deliveryMethod: AssignmentDelivery["deliveryMethod"];
  coordinatorId: string;
}

export type DeliveryOutcome = "created" | "applied" | "duplicate" | "stale" | "terminal" | "rejected";

export interface DeliveryPlan {
  writes: DeliveryWrite[];
  rejections: { offset: string; reason: string }[];
  outcomes: { offset: string; outcome: DeliveryOutcome }[];
}

export interface DeliveryPlanInputs {
  existing: ReadonlyMap<string, StoredDelivery>;
  /** Records per periodCountKey(organization, mentor, period) before this batch. */
  periodCounts: ReadonlyMap<string, number>;
  /** Each organization's time zone. */
  timeZones: ReadonlyMap<string, string>;
  /** Organizations each coordinator is known in (from the ledger); absent = unknown. */
  coordinatorOrganizations: ReadonlyMap<string, ReadonlySet<string>>;
}

export const deliveryKey = (assignmentId: string, peerMentorId: string): string => `${assignmentId}/${peerMentorId}`;
export const periodCountKey = (organizationId: string, peerMentorId: string, period: string): string =>
  `${organizationId}/${peerMentorId}/${period}`;

/** The accounting period `YYYY-H1|H2` of an instant in the organization's time zone. */
export function accountingPeriodOf(at: string, timeZone: string): string {
  return periodKeyOf("half_year", at, timeZone);
}

/** The (organization, mentor, period) triples whose counts the plan may need (records new to the batch). */
export function periodCountsNeeded(
  events: readonly DeliveryEventAt[],
  existing: ReadonlyMap<string, StoredDelivery>,
  timeZones: ReadonlyMap<string, string>,
): { organizationId: string; peerMentorId: string; period: string }[] {
  const needed = new Map<string, { organizationId: string; peerMentorId: string; period: string }>();
  for (const { event } of events) {
    if (existing.has(deliveryKey(event.assignmentId, event.peerMentorId))) continue;
    const period = accountingPeriodOf(event.at, zoneOf(timeZones, event.organizationId));
    needed.set(periodCountKey(event.organizationId, event.peerMentorId, period), {
      organizationId: event.organizationId,
      peerMentorId: event.peerMentorId,
      period,
    });
  }
  return [...needed.values()];
}

function zoneOf(timeZones: ReadonlyMap<string, string>, organizationId: string): string {
  const zone = timeZones.get(organizationId);
  if (zone === undefined) throw new Error(`no time zone loaded for organization ${organizationId}`);
  return zone;
}

/**
 * Cross-organization dispatch is prohibited (spec 004 coordinator_owns_dispatch). The event's own
 * coordinatorOrganizationId decides when present; otherwise the organizations the ledger knows the
 * coordinator in (assignment.confirmed.v1 carries coordinatorId); a coordinator the counter has never
 * seen is accepted, since the upstream assignment service already checked the dispatch.
 */
export function crossOrganizationReason(event: AssignmentDelivery, known: ReadonlySet<string> | undefined): string | null {
  if (event.coordinatorOrganizationId !== undefined) {
    return event.coordinatorOrganizationId === event.organizationId
      ? null
      : `cross-organization dispatch is prohibited: coordinator ${event.coordinatorId} belongs to organization ` +
          `${event.coordinatorOrganizationId}, the delivery to organization ${event.organizationId}`;
  }
  if (known === undefined || known.size === 0 || known.has(event.organizationId)) return null;
  return (
    `cross-organization dispatch is prohibited: coordinator ${event.coordinatorId} is known only in organization(s) ` +
    `${[...known].sort().join(", ")}, the delivery to organization ${event.organizationId}`
  );
}

export function planDeliveryBatch(inputs: DeliveryPlanInputs, events: readonly DeliveryEventAt[]): DeliveryPlan {
  const records = new Map<string, StoredDelivery | DeliveryWrite>(inputs.existing);
  const counts = new Map(inputs.periodCounts);
  const writes = new Map<string, DeliveryWrite>();
  const rejections: DeliveryPlan["rejections"] = [];
  const outcomes: DeliveryPlan["outcomes"] = [];

  for (const { offset, event } of events) {
    const key = deliveryKey(event.assignmentId, event.peerMentorId);
    const current = records.get(key);
    const reason =
      current !== undefined && current.organizationId !== event.organizationId
        ? `delivery of assignment ${event.assignmentId} to mentor ${event.peerMentorId} belongs to organization ` +
          `${current.organizationId}, the event names ${event.organizationId}`
        : crossOrganizationReason(event, inputs.coordinatorOrganizations.get(event.coordinatorId));
    if (reason !== null) {
      rejections.push({ offset, reason });
      outcomes.push({ offset, outcome: "rejected" });
      continue;
    }

    const decision = decideDelivery(current ?? NEW_DELIVERY, event.status, new Date(event.at));
    if (decision.kind === "ignore") {
      outcomes.push({ offset, outcome: decision.reason });
      continue;
    }
    const expiresAt =
      event.expiresAt === undefined ? (current?.expiresAt ?? null) : event.expiresAt === null ? null : new Date(event.expiresAt);
    let write: DeliveryWrite;
    if (current === undefined) {
      const accountingPeriod = accountingPeriodOf(event.at, zoneOf(inputs.timeZones, event.organizationId));
      const countKey = periodCountKey(event.organizationId, event.peerMentorId, accountingPeriod);
      const sequenceNumber = (counts.get(countKey) ?? 0) + 1;
      counts.set(countKey, sequenceNumber);
      write = {
        ...decision.next,
        created: true,
        assignmentId: event.assignmentId,
        peerMentorId: event.peerMentorId,
        organizationId: event.organizationId,
        accountingPeriod,
        sequenceNumber,
        honorariumTier: honorariumTierForSequence(sequenceNumber),
        readReceiptRequired: event.readReceiptRequired,
        deliveryMethod: event.deliveryMethod,
        coordinatorId: event.coordinatorId,
        expiresAt,
      };
    } else {
      const previous = writes.get(key);
      write = {
        ...(previous ?? {
          ...current,
          created: false,
          honorariumTier: honorariumTierForSequence(current.sequenceNumber),
          readReceiptRequired: event.readReceiptRequired,
          deliveryMethod: event.deliveryMethod,
          coordinatorId: event.coordinatorId,
        }),
        ...decision.next,
        expiresAt,
      };
    }
    records.set(key, write);
    writes.set(key, write);
    outcomes.push({ offset, outcome: current === undefined ? "created" : "applied" });
  }
  return { writes: [...writes.values()], rejections, outcomes };
}

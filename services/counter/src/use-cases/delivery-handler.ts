import { assignmentDeliverySchema, assignmentDeliveryTimes, decodeEvent } from "@honorarium/shared/contracts";
import { loadTimeZones } from "@honorarium/shared/db";
import { type DeliveryEventAt, periodCountsNeeded, planDeliveryBatch } from "../domain/delivery-plan.ts";
import { lockMentors } from "../adapters/postgres/counting-store.ts";
import { loadCoordinatorOrganizations, loadDeliveries, loadPeriodCounts, writeDeliveries } from "../adapters/postgres/delivery-store.ts";
import type { DeadLetter, HandlerResult, TopicHandler } from "@honorarium/shared/infra";

export interface DeliveryHandlerOptions {
  maxMessageBytes: number;
}

/**
 * assignment.delivery.v1 (spec 004) into assignment_deliveries, inside the batch's transaction:
 * lock the batch's mentors (the same per-(organization, mentor) advisory locks as counting, so
 * sequence numbers stay exact when one mentor's deliveries arrive on several partitions), read the
 * records and period counts once, plan in offset order, write in one statement.
 */
export function createDeliveryHandler(options: DeliveryHandlerOptions): TopicHandler {
  return {
    async apply(trx, messages): Promise<HandlerResult> {
      const deadLetters: DeadLetter[] = [];
      const events: DeliveryEventAt[] = [];
      for (const message of messages) {
        const decoded = decodeEvent(message.value, message.timestamp, {
          schema: assignmentDeliverySchema,
          timeFields: assignmentDeliveryTimes,
          maxBytes: options.maxMessageBytes,
        });
        if (decoded.ok) events.push({ offset: message.offset, event: decoded.event });
        else deadLetters.push({ offset: message.offset, errorCode: decoded.errorCode, reason: decoded.reason });
      }
      if (events.length === 0) return { deadLetters, outcomes: {}, afterCommit: null };

      await lockMentors(
        trx,
        events.map(({ event }) => ({ organizationId: event.organizationId, peerMentorId: event.peerMentorId })),
      );
      const existing = await loadDeliveries(
        trx,
        events.map(({ event }) => ({ assignmentId: event.assignmentId, peerMentorId: event.peerMentorId })),
      );
      const timeZones = await loadTimeZones(trx, [...new Set(events.map(({ event }) => event.organizationId))]);
      const coordinatorOrganizations = await loadCoordinatorOrganizations(
        trx,
        events.filter(({ event }) => event.coordinatorOrganizationId === undefined).map(({ event }) => event.coordinatorId),
      );
      const periodCounts = await loadPeriodCounts(trx, periodCountsNeeded(events, existing, timeZones));
      const plan = planDeliveryBatch({ existing, periodCounts, timeZones, coordinatorOrganizations }, events);

      for (const rejection of plan.rejections)
        deadLetters.push({ offset: rejection.offset, errorCode: "rejected", reason: rejection.reason });
      await writeDeliveries(trx, plan.writes);

      const outcomes: Record<string, number> = {};
      for (const { outcome } of plan.outcomes) outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      return { deadLetters, outcomes, afterCommit: null };
    },
  };
}

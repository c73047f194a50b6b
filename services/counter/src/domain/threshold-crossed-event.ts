import { type ThresholdCrossed, thresholdCrossedEventId } from "@honorarium/shared/contracts";
import type { PlannedCrossing } from "./counting-plan.ts";

/** The honorarium.threshold-crossed.v1 event of a crossing record; the eventId derives from the record id. */
export function thresholdCrossedEventOf(crossing: PlannedCrossing): ThresholdCrossed {
  return {
    eventId: thresholdCrossedEventId(crossing.recordId),
    recordId: crossing.recordId,
    organizationId: crossing.organizationId,
    scopeId: crossing.scopeId,
    peerMentorId: crossing.peerMentorId,
    coordinatorId: crossing.coordinatorId,
    tierName: crossing.tier.name,
    thresholdLevel: crossing.tier.thresholdLevel,
    thresholdCount: crossing.tier.thresholdCount,
    honorariumAmount: crossing.tier.honorariumAmount,
    currency: crossing.tier.currency,
    periodType: crossing.periodType,
    periodKey: crossing.periodKey,
    fiscalYear: crossing.fiscalYear,
    assignmentCount: crossing.assignmentCount,
    triggerAssignmentId: crossing.triggerAssignmentId,
    reachedAt: crossing.reachedAt,
    notifyMentor: crossing.tier.notificationEnabled,
  };
}

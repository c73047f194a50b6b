import { resolveOrganization, visibilityOf } from "../../domain/access.ts";
import { resolveVisibleMentor } from "../mentor-access.ts";
import type { HandlerOptions } from "../types.ts";
import type { HistoryInput } from "./history.schema.ts";

/** Spec 001: crossed thresholds in chronological order with date, tier, rate and payment status; an explicit empty state. */
export async function historyHandler({ ctx, input }: HandlerOptions<HistoryInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const visibility = visibilityOf(ctx.caller);
  const peerMentorId = await resolveVisibleMentor(ctx, organizationId, visibility, input.peerMentorId);
  const crossings = await ctx.deps.repositories.records.crossings(organizationId, visibility, {
    peerMentorId,
    ...(input.fiscalYear === undefined ? {} : { fiscalYear: input.fiscalYear }),
  });
  const milestones = crossings.map((c) => ({
    recordId: c.id,
    reachedAt: c.reachedAt ?? c.recordedAt,
    recordedAt: c.recordedAt,
    tierName: c.tierName,
    tierOrder: c.tierOrder,
    configId: c.configId,
    thresholdLevel: c.thresholdLevel,
    thresholdCount: c.thresholdCount,
    isCumulative: c.isCumulative,
    honorariumRate: c.honorariumRate,
    /** What this record owes by the one rule (the top-up where a higher tier replaces a lower one). */
    amountDue: c.amountDue,
    currency: c.currency,
    assignmentCount: c.assignmentCount,
    triggerAssignmentId: c.triggerAssignmentId,
    scopeId: c.scopeId,
    periodType: c.periodType,
    periodKey: c.periodKey,
    fiscalYear: c.fiscalYear,
    paymentStatus: c.paymentStatus,
    paymentProcessedAt: c.paymentProcessedAt,
    needsReview: c.needsReview,
    notes: c.notes,
    coordinatorNotified: c.coordinatorNotified,
    coordinatorNotifiedAt: c.coordinatorNotifiedAt,
    source: c.source,
  }));
  return {
    organizationId,
    peerMentorId,
    milestones,
    empty: milestones.length === 0,
    message: milestones.length === 0 ? "No honorarium thresholds have been reached yet." : `${milestones.length} threshold(s) reached.`,
  };
}

import { cacheVersions } from "../../adapters/redis/read-cache.ts";
import { canSeeScope, resolveOrganization, visibilityOf } from "../../domain/access.ts";
import { DomainError, forbidden, notFound } from "../../domain/errors.ts";
import { planPaymentTransition } from "../../domain/payment-lifecycle.ts";
import type { HandlerOptions } from "../types.ts";
import type { ResolveReviewInput } from "./resolve-review.schema.ts";

export async function resolveReviewHandler({ ctx, input }: HandlerOptions<ResolveReviewInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const { records } = ctx.deps.repositories;
  const existing = await records.findCrossing(organizationId, input.recordId);
  if (existing === undefined) throw notFound(`no honorarium record ${input.recordId} in this organization`);
  if (!canSeeScope(visibilityOf(ctx.caller), existing.scopeId)) throw forbidden("this record belongs to a scope you do not coordinate");
  if (!existing.needsReview || existing.reviewResolvedAt !== null) {
    throw new DomainError("conflict", "this record is not flagged for review", { rule: "count_decrement_on_assignment_cancellation" });
  }
  const now = ctx.deps.now();
  if (input.cancelPayment) {
    planPaymentTransition(existing.paymentStatus, "cancelled", now);
    await records.transitionPayment({
      organizationId,
      recordId: existing.id,
      to: "cancelled",
      actorId: ctx.caller.userId,
      note: `review: ${input.resolution}`.slice(0, 2000),
      now,
      plan: (from) => planPaymentTransition(from, "cancelled", now),
    });
  }
  const record = await records.resolveReview({
    organizationId,
    recordId: existing.id,
    actorId: ctx.caller.userId,
    resolution: input.resolution,
    now,
  });
  await ctx.deps.cache.bump([cacheVersions.organizationCounts(organizationId), cacheVersions.mentor(organizationId, record.peerMentorId)]);
  return { record };
}

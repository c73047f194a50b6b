import { cacheVersions } from "../../adapters/redis/read-cache.ts";
import { canSeeScope, resolveOrganization, visibilityOf } from "../../domain/access.ts";
import { forbidden, notFound } from "../../domain/errors.ts";
import { allowedPaymentTransitions, planPaymentTransition } from "../../domain/payment-lifecycle.ts";
import type { HandlerOptions } from "../types.ts";
import type { TransitionInput } from "./transition.schema.ts";

/** Spec 003 payment_status_lifecycle; every move is written to payment_status_history. */
export async function transitionHandler({ ctx, input }: HandlerOptions<TransitionInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const visibility = visibilityOf(ctx.caller);
  const { records } = ctx.deps.repositories;
  const existing = await records.findCrossing(organizationId, input.recordId);
  if (existing === undefined) throw notFound(`no honorarium record ${input.recordId} in this organization`);
  if (!canSeeScope(visibility, existing.scopeId)) throw forbidden("this record belongs to a scope you do not coordinate");
  const now = ctx.deps.now();
  const record = await records.transitionPayment({
    organizationId,
    recordId: input.recordId,
    to: input.to,
    actorId: ctx.caller.userId,
    note: input.note,
    now,
    plan: (from) => planPaymentTransition(from, input.to, now),
  });
  await ctx.deps.cache.bump([cacheVersions.organizationCounts(organizationId), cacheVersions.mentor(organizationId, record.peerMentorId)]);
  return { record, allowedNext: [...allowedPaymentTransitions(record.paymentStatus)] };
}

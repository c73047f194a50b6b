import { cacheVersions } from "../../adapters/redis/read-cache.ts";
import type { HandlerOptions } from "../types.ts";
import type { MarkPaidInput } from "./batch.schema.ts";
import { loadVisibleBatch } from "./load-batch.ts";

/** The batch was paid: its records move to paid (payment_processed_at = the payment day, amount_paid fixed), with the reference. */
export async function markPaidHandler({ ctx, input }: HandlerOptions<MarkPaidInput>) {
  const { organizationId, records } = await loadVisibleBatch(ctx, input);
  const batch = await ctx.deps.repositories.payouts.markPaid({
    organizationId,
    batchId: input.batchId,
    actorId: ctx.caller.userId,
    paymentReference: input.paymentReference,
    paidOn: input.paidOn,
    now: ctx.deps.now(),
  });
  await ctx.deps.cache.bump([
    cacheVersions.organizationCounts(organizationId),
    ...[...new Set(records.map((record) => record.peerMentorId))].map((mentor) => cacheVersions.mentor(organizationId, mentor)),
  ]);
  return { batch };
}

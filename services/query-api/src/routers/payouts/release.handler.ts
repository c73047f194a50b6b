import { cacheVersions } from "../../adapters/redis/read-cache.ts";
import type { HandlerOptions } from "../types.ts";
import type { ReleaseInput } from "./batch.schema.ts";
import { loadVisibleBatch } from "./load-batch.ts";

/**
 * Redo a batch: it is released (kept, with the reason); its records stay in payment (processing —
 * nothing moves backwards) and may go into a new batch. A paid batch cannot be released.
 */
export async function releaseHandler({ ctx, input }: HandlerOptions<ReleaseInput>) {
  const { organizationId, records } = await loadVisibleBatch(ctx, input);
  const batch = await ctx.deps.repositories.payouts.release({
    organizationId,
    batchId: input.batchId,
    actorId: ctx.caller.userId,
    reason: input.reason,
    now: ctx.deps.now(),
  });
  await ctx.deps.cache.bump([
    cacheVersions.organizationCounts(organizationId),
    ...[...new Set(records.map((record) => record.peerMentorId))].map((mentor) => cacheVersions.mentor(organizationId, mentor)),
  ]);
  return { batch };
}

import type { CountsChanged } from "@honorarium/shared/contracts";
import { tracked } from "@trpc/server";
import { compareStreamIds } from "../../adapters/redis/counts-changed-feed.ts";
import { canSeeRow, resolveOrganization, visibilityOf } from "../../domain/access.ts";
import { liveQueue } from "../live-queue.ts";
import type { HandlerOptions } from "../types.ts";
import type { OnChangeInput } from "./on-change.schema.ts";

const REPLAY_LIMIT = 1000;

/**
 * Live count changes the caller may see. Listens first, then replays the stream after
 * lastEventId, then drains what arrived meanwhile (skipping ids already sent): no gap, no repeat.
 */
export async function onChangeHandler({ ctx, input, signal }: HandlerOptions<OnChangeInput> & { signal: AbortSignal | undefined }) {
  // Checked before the stream opens, so a refusal is an ordinary 403, not an error event mid-stream.
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const visibility = visibilityOf(ctx.caller);
  return streamChanges(
    ctx,
    input,
    signal,
    (change) =>
      change.organizationId === organizationId && canSeeRow(visibility, { scopeId: change.scopeId, peerMentorId: change.peerMentorId }),
  );
}

async function* streamChanges(
  ctx: HandlerOptions<OnChangeInput>["ctx"],
  input: OnChangeInput,
  signal: AbortSignal | undefined,
  visible: (change: CountsChanged) => boolean,
) {
  const live = liveQueue(ctx.deps.feed, visible, signal, {
    onOverflow: () => ctx.deps.metrics.liveSubscriptions.inc({ event: "overflowed" }),
  });
  ctx.deps.metrics.liveSubscriptions.inc({ event: "opened" });
  try {
    let lastId = input.lastEventId ?? undefined;
    if (lastId !== undefined) {
      let missed: CountsChanged[] = [];
      try {
        missed = await ctx.deps.feed.readAfter(lastId, REPLAY_LIMIT);
      } catch (error) {
        ctx.deps.logger.warn(
          { err: error instanceof Error ? error.message : error },
          "could not replay the counts stream; continuing live",
        );
      }
      for (const change of missed) {
        if (!visible(change) || change.id === undefined) continue;
        lastId = change.id;
        ctx.deps.metrics.liveSubscriptions.inc({ event: "sent" });
        yield tracked(change.id, change);
      }
    }
    for await (const change of live) {
      if (change.id !== undefined && lastId !== undefined && compareStreamIds(change.id, lastId) <= 0) continue;
      // A message without a stream id (the counter's XADD failed) reuses the last id: a resume replays from there.
      const id = change.id ?? lastId ?? "0-0";
      lastId = change.id ?? lastId;
      ctx.deps.metrics.liveSubscriptions.inc({ event: "sent" });
      yield tracked(id, change);
    }
  } finally {
    live.close();
  }
}

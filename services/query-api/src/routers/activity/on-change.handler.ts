import type { LiveActivity } from "@honorarium/shared/contracts";
import { canSeeRow, resolveOrganization, visibilityOf } from "../../domain/access.ts";
import { liveQueue } from "../live-queue.ts";
import type { HandlerOptions } from "../types.ts";
import type { OnActivityInput } from "./on-change.schema.ts";

/** First on every stream: whatever the client shows may have changed while it was not connected. */
export interface Subscribed {
  kind: "subscribed";
  at: string;
}

/**
 * The feed, payment statuses and configuration, live, as far as the caller may see them: their own
 * in-app notifications; payment moves of records in their scopes (a mentor: their own);
 * configuration and settings changes of their organisation. Hints to refetch, not data.
 */
export async function onActivityHandler({ ctx, input, signal }: HandlerOptions<OnActivityInput> & { signal: AbortSignal | undefined }) {
  // Checked before the stream opens, so a refusal is an ordinary 403, not an error event mid-stream.
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const visibility = visibilityOf(ctx.caller);
  const userId = ctx.caller.userId;
  const visible = (activity: LiveActivity): boolean => {
    if (activity.organizationId !== organizationId) return false;
    if (activity.kind === "feed") return activity.recipientId === userId;
    if (activity.kind === "payment") return canSeeRow(visibility, activity);
    return true;
  };
  return (async function* (): AsyncGenerator<Subscribed | LiveActivity> {
    const live = liveQueue(ctx.deps.activity, visible, signal, {
      onOverflow: () => ctx.deps.metrics.liveSubscriptions.inc({ event: "overflowed" }),
    });
    ctx.deps.metrics.liveSubscriptions.inc({ event: "opened" });
    try {
      yield { kind: "subscribed", at: ctx.deps.now().toISOString() };
      for await (const activity of live) {
        ctx.deps.metrics.liveSubscriptions.inc({ event: "sent" });
        yield activity;
      }
    } finally {
      live.close();
    }
  })();
}

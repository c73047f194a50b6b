import { resolveOrganization } from "../../domain/access.ts";
import type { HandlerOptions } from "../types.ts";
import type { ReplayWebhooksInput } from "./replay.schema.ts";

/**
 * Sends the organization's webhook deliveries of a window again, each with its own webhook-id
 * (the job id), so a receiver that has one already drops the repeat. Deliveries still pending
 * are left to their retries. Enable a disabled webhook first: the notifier skips jobs of a
 * webhook that is off.
 */
export async function replayWebhooksHandler({ ctx, input }: HandlerOptions<ReplayWebhooksInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const replayed = await ctx.deps.repositories.webhooks.replay({
    organizationId,
    since: new Date(input.since),
    until: new Date(input.until),
    status: input.status,
  });
  ctx.deps.logger.info({ organizationId, replayed, since: input.since, until: input.until, status: input.status }, "webhooks replayed");
  return { organizationId, replayed };
}

import { resolveOrganization } from "../../domain/access.ts";
import type { HandlerOptions } from "../types.ts";
import type { WebhookAttemptsInput } from "./attempts.schema.ts";

/** The attempt log of the organization's webhook deliveries: time, status code, duration, error. */
export async function webhookAttemptsHandler({ ctx, input }: HandlerOptions<WebhookAttemptsInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const page = await ctx.deps.repositories.webhooks.attempts({
    organizationId,
    deliveryId: input.deliveryId,
    beforeId: input.cursor,
    limit: input.limit,
  });
  return { organizationId, ...page };
}

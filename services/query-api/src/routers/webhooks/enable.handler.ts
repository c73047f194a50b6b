import { resolveOrganization } from "../../domain/access.ts";
import { notFound } from "../../domain/errors.ts";
import type { HandlerOptions } from "../types.ts";
import type { EnableWebhookInput } from "./enable.schema.ts";

/** Switches the webhook on again, also after the notifier switched it off for failing. */
export async function enableWebhookHandler({ ctx, input }: HandlerOptions<EnableWebhookInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const settings = await ctx.deps.repositories.webhooks.enable(organizationId, ctx.caller.userId);
  if (settings === undefined) throw notFound("this organization has no webhook");
  ctx.deps.logger.info({ organizationId }, "webhook enabled");
  return { organizationId, webhook: settings };
}

import { resolveOrganization } from "../../domain/access.ts";
import { notFound } from "../../domain/errors.ts";
import type { HandlerOptions } from "../types.ts";
import type { DisableWebhookInput } from "./disable.schema.ts";

export async function disableWebhookHandler({ ctx, input }: HandlerOptions<DisableWebhookInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const settings = await ctx.deps.repositories.webhooks.disable(organizationId, ctx.caller.userId);
  if (settings === undefined) throw notFound("this organization has no webhook");
  return { organizationId, webhook: settings };
}

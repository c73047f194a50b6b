import { resolveOrganization } from "../../domain/access.ts";
import type { HandlerOptions } from "../types.ts";
import type { GetWebhookInput } from "./get.schema.ts";

export async function getWebhookHandler({ ctx, input }: HandlerOptions<GetWebhookInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const settings = await ctx.deps.repositories.webhooks.get(organizationId);
  return { organizationId, webhook: settings ?? null };
}

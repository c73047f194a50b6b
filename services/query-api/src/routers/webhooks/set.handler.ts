import { randomBytes } from "node:crypto";
import { resolveOrganization } from "../../domain/access.ts";
import { checkWebhookUrl } from "../../domain/webhook-url.ts";
import type { HandlerOptions } from "../types.ts";
import type { SetWebhookInput } from "./set.schema.ts";

/** A Standard Webhooks signing secret: whsec_ + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** The secret is returned exactly once: when it is created (first set, or rotateSecret). */
export async function setWebhookHandler({ ctx, input }: HandlerOptions<SetWebhookInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const url = checkWebhookUrl(input.url, ctx.deps.settings.webhookAllowHosts);
  const { webhooks } = ctx.deps.repositories;
  const needsSecret = input.rotateSecret || !(await webhooks.hasSecret(organizationId));
  const newSecret = needsSecret ? generateWebhookSecret() : undefined;
  const { settings } = await webhooks.set({ organizationId, url: url.toString(), newSecret, actorId: ctx.caller.userId });
  ctx.deps.logger.info({ organizationId, rotated: newSecret !== undefined }, "webhook settings changed");
  return { organizationId, webhook: settings, secret: newSecret ?? null };
}

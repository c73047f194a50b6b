import { resolveOrganization } from "../../domain/access.ts";
import { notFound } from "../../domain/errors.ts";
import type { HandlerOptions } from "../types.ts";
import type { RotateSecretInput } from "./rotate-secret.schema.ts";
import { generateWebhookSecret } from "./set.handler.ts";

/**
 * A new signing secret, returned exactly once. The previous one keeps signing beside it for the
 * overlap window (QUERY_API_WEBHOOK_SECRET_OVERLAP_HOURS, 24 h by default), so receivers can
 * switch without missing a delivery: meanwhile `webhook-signature` lists both signatures.
 */
export async function rotateSecretHandler({ ctx, input }: HandlerOptions<RotateSecretInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const secret = generateWebhookSecret();
  const previousValidUntil = new Date(ctx.deps.now().getTime() + ctx.deps.settings.webhookSecretOverlapMs);
  const settings = await ctx.deps.repositories.webhooks.rotateSecret({
    organizationId,
    newSecret: secret,
    previousValidUntil,
    actorId: ctx.caller.userId,
  });
  if (settings === undefined) throw notFound("this organization has no webhook");
  ctx.deps.logger.info({ organizationId, previousValidUntil }, "webhook secret rotated");
  return { organizationId, webhook: settings, secret, previousSecretValidUntil: previousValidUntil.toISOString() };
}

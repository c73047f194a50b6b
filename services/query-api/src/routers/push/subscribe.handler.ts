import { resolveOrganization } from "../../domain/access.ts";
import { DomainError } from "../../domain/errors.ts";
import { checkTargetUrl } from "../../domain/webhook-url.ts";
import type { HandlerOptions } from "../types.ts";
import type { SubscribeInput } from "./subscribe.schema.ts";

export async function subscribeHandler({ ctx, input }: HandlerOptions<SubscribeInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  // The notifier's rule, checked when stored: https and a public target unless allow-listed
  // (local test push services), so no endpoint is accepted that every push would then fail on.
  checkTargetUrl(input.endpoint, ctx.deps.settings.webhookAllowHosts, "push endpoint", "push_endpoint");
  const stored = await ctx.deps.repositories.pushSubscriptions.upsert({
    organizationId,
    userId: ctx.caller.userId,
    endpoint: input.endpoint,
    p256dh: input.keys.p256dh,
    auth: input.keys.auth,
  });
  if (stored === null)
    throw new DomainError("conflict", "this push endpoint is subscribed by another user; the browser must unsubscribe it first", {
      rule: "push_endpoint_taken",
    });
  return { id: stored.id };
}

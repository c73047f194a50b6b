import { resolveOrganization } from "../../domain/access.ts";
import { DomainError } from "../../domain/errors.ts";
import type { HandlerOptions } from "../types.ts";
import type { SubscribeInput } from "./subscribe.schema.ts";

export async function subscribeHandler({ ctx, input }: HandlerOptions<SubscribeInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const url = new URL(input.endpoint);
  // Push services are https; plain http only for allow-listed hosts (local test push services).
  const allowed =
    ctx.deps.settings.webhookAllowHosts.includes(url.hostname.toLowerCase()) ||
    ctx.deps.settings.webhookAllowHosts.includes(url.host.toLowerCase());
  if (url.protocol !== "https:" && !(url.protocol === "http:" && allowed)) {
    throw new DomainError("invalid", "the push endpoint must use https", { rule: "push_endpoint_https" });
  }
  const { id } = await ctx.deps.repositories.pushSubscriptions.upsert({
    organizationId,
    userId: ctx.caller.userId,
    endpoint: input.endpoint,
    p256dh: input.keys.p256dh,
    auth: input.keys.auth,
  });
  return { id };
}

import { requireScopes, resolveOrganization, visibilityOf } from "../../domain/access.ts";
import type { HandlerOptions } from "../types.ts";
import type { DigestsInput, SetDigestInput } from "./digests.schema.ts";

/** The scopes for which the caller takes the daily digest (issue 15). */
export async function digestsHandler({ ctx, input }: HandlerOptions<DigestsInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  return { organizationId, digestScopeIds: await ctx.deps.repositories.preferences.digestScopes(organizationId, ctx.caller.userId) };
}

/** Turns the caller's daily digest of one of their scopes on or off. */
export async function setDigestHandler({ ctx, input }: HandlerOptions<SetDigestInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  requireScopes(visibilityOf(ctx.caller), [input.scopeId]);
  const digestScopeIds = await ctx.deps.repositories.preferences.setDigest(organizationId, ctx.caller.userId, input.scopeId, input.enabled);
  return { organizationId, digestScopeIds };
}

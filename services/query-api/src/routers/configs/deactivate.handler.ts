import { cacheVersions } from "../../adapters/redis/read-cache.ts";
import { resolveOrganization } from "../../domain/access.ts";
import { checkCanDeactivate } from "../../domain/config-rules.ts";
import { notFound } from "../../domain/errors.ts";
import type { HandlerOptions } from "../types.ts";
import type { DeactivateConfigInput } from "./deactivate.schema.ts";

/** deactivation_over_deletion: configurations are never deleted (there is no delete); at_least_one_active_config is kept. */
export async function deactivateConfigHandler({ ctx, input }: HandlerOptions<DeactivateConfigInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const config = await ctx.deps.repositories.configs.withOrganizationLocked(organizationId, ctx.caller, async (tx) => {
    const existing = await tx.find(input.id);
    if (existing === undefined) throw notFound(`no threshold configuration ${input.id} in this organization`);
    checkCanDeactivate(existing, await tx.list(false));
    // Changes affect future evaluations only: a configuration already in effect keeps applying to
    // assignments confirmed before now (late events), so it ends now rather than vanishing. One that
    // has not taken effect yet never applies: it loses its end too (inactive without an end is
    // never evaluated, shared/domain tiersEffectiveAt), or its future window would still fire.
    const now = ctx.deps.now();
    const inEffect = new Date(existing.effectiveFrom).getTime() < now.getTime();
    const endsBefore = existing.effectiveUntil !== null && new Date(existing.effectiveUntil).getTime() <= now.getTime();
    const end = !inEffect ? { effectiveUntil: null } : endsBefore ? {} : { effectiveUntil: now };
    const deactivated = await tx.update(existing.id, { isActive: false, ...end });
    await tx.audit({ action: "deactivate", configId: existing.id, before: existing, after: deactivated, overrideReason: null });
    return deactivated;
  });
  await ctx.deps.cache.bump([cacheVersions.organizationConfig(organizationId)]);
  return { config };
}

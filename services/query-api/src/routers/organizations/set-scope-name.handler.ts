import { cacheVersions } from "../../adapters/redis/read-cache.ts";
import { resolveOrganization } from "../../domain/access.ts";
import type { HandlerOptions } from "../types.ts";
import type { SetScopeNameInput } from "./set-scope-name.schema.ts";

/**
 * A scope's display name, upserted. Scopes are ids the upstream events carry (there is no scope
 * table), so a name may be set before the scope's first assignment. The name is the RK's (a place or
 * unit), never a person's: it appears in statements and exports that leave the system.
 */
export async function setScopeNameHandler({ ctx, input }: HandlerOptions<SetScopeNameInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const { scopeId, displayName } = input;
  const changed = await ctx.deps.repositories.organizationSettings.withOrganizationLocked(
    organizationId,
    ctx.caller,
    ctx.deps.now(),
    async (tx) => {
      const before = await tx.scopeName(scopeId);
      if (before === displayName) return false;
      await tx.setScopeName(scopeId, displayName);
      await tx.audit({
        action: "set_scope_name",
        subject: scopeId,
        before: before === null ? null : { scopeId, displayName: before },
        after: { scopeId, displayName },
      });
      return true;
    },
  );
  if (changed) await ctx.deps.cache.bump([cacheVersions.organizationConfig(organizationId)]);
  return { organizationId, scopeId, displayName, changed };
}

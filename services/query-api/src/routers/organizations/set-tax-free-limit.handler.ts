import { cacheVersions } from "../../adapters/redis/read-cache.ts";
import { resolveOrganization } from "../../domain/access.ts";
import type { HandlerOptions } from "../types.ts";
import type { SetTaxFreeLimitInput } from "./set-tax-free-limit.schema.ts";

/** The limit for one income year (Skatteetaten may change it), upserted and audited in one transaction. */
export async function setTaxFreeLimitHandler({ ctx, input }: HandlerOptions<SetTaxFreeLimitInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const { incomeYear, limitAmount } = input;
  const changed = await ctx.deps.repositories.organizationSettings.withOrganizationLocked(
    organizationId,
    ctx.caller,
    ctx.deps.now(),
    async (tx) => {
      const before = await tx.taxFreeLimit(incomeYear);
      if (before === limitAmount) return false;
      await tx.setTaxFreeLimit(incomeYear, limitAmount);
      await tx.audit({
        action: "set_tax_free_limit",
        subject: String(incomeYear),
        before: before === null ? null : { incomeYear, limitAmount: before },
        after: { incomeYear, limitAmount },
      });
      return true;
    },
  );
  // counts.forMentor's tax-free standing and the dashboard's "near the limit" read it.
  if (changed) await ctx.deps.cache.bump([cacheVersions.organizationConfig(organizationId)]);
  return { organizationId, incomeYear, limitAmount, changed };
}

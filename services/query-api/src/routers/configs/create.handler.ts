import { cacheVersions } from "../../adapters/redis/read-cache.ts";
import { resolveOrganization } from "../../domain/access.ts";
import type { NewThresholdConfig } from "../../ports.ts";
import type { HandlerOptions } from "../types.ts";
import type { CreateConfigInput } from "./create.schema.ts";
import { checkActiveSetRules, checkEffectiveFrom } from "./rules.ts";

export async function createConfigHandler({ ctx, input }: HandlerOptions<CreateConfigInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const { repositories, now: clock } = ctx.deps;
  const timeZone = await repositories.organizations.timeZone(organizationId);
  const now = clock();
  const candidate: NewThresholdConfig = {
    name: input.name,
    thresholdCount: input.thresholdCount,
    honorariumAmount: input.honorariumAmount,
    currency: input.currency,
    periodType: input.periodType,
    tierOrder: input.tierOrder,
    thresholdLevel: input.thresholdLevel,
    isCumulative: input.isCumulative,
    effectiveFrom: new Date(input.effectiveFrom),
    effectiveUntil: input.effectiveUntil === null ? null : new Date(input.effectiveUntil),
    description: input.description,
    notificationEnabled: input.notificationEnabled,
  };
  const overrideReason = checkEffectiveFrom(candidate, timeZone, now, input.override);
  const config = await repositories.configs.withOrganizationLocked(organizationId, ctx.caller, async (tx) => {
    checkActiveSetRules(candidate, await tx.list(false));
    const created = await tx.insert(candidate);
    await tx.audit({ action: "create", configId: created.id, before: null, after: created, overrideReason });
    return created;
  });
  await ctx.deps.cache.bump([cacheVersions.organizationConfig(organizationId)]);
  return { config, overridden: overrideReason !== null };
}

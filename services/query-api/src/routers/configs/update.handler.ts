import { cacheVersions } from "../../adapters/redis/read-cache.ts";
import { resolveOrganization } from "../../domain/access.ts";
import { DomainError, notFound } from "../../domain/errors.ts";
import type { NewThresholdConfig, ThresholdConfigRecord } from "../../ports.ts";
import type { HandlerOptions } from "../types.ts";
import { checkActiveSetRules, checkEffectiveFrom } from "./rules.ts";
import type { UpdateConfigInput } from "./update.schema.ts";

function asNew(record: ThresholdConfigRecord): NewThresholdConfig {
  return {
    name: record.name,
    thresholdCount: record.thresholdCount,
    honorariumAmount: record.honorariumAmount,
    currency: record.currency,
    periodType: record.periodType,
    tierOrder: record.tierOrder,
    thresholdLevel: record.thresholdLevel as NewThresholdConfig["thresholdLevel"],
    isCumulative: record.isCumulative,
    effectiveFrom: new Date(record.effectiveFrom),
    effectiveUntil: record.effectiveUntil === null ? null : new Date(record.effectiveUntil),
    description: record.description,
    notificationEnabled: record.notificationEnabled,
  };
}

/**
 * Changes affect future evaluations only. A configuration that is already in effect or has been
 * used by a crossing is never rewritten: it is deactivated (effective_until set to the change) and
 * a new version takes over from effectiveFrom (default: now). A configuration that has not taken
 * effect yet and was never used is edited in place. Both paths are audited.
 */
export async function updateConfigHandler({ ctx, input }: HandlerOptions<UpdateConfigInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const { repositories } = ctx.deps;
  const timeZone = await repositories.organizations.timeZone(organizationId);
  const now = ctx.deps.now();
  const { changes } = input;
  const result = await repositories.configs.withOrganizationLocked(organizationId, ctx.caller, async (tx) => {
    const existing = await tx.find(input.id);
    if (existing === undefined) throw notFound(`no threshold configuration ${input.id} in this organization`);
    if (!existing.isActive)
      throw new DomainError("conflict", "an inactive configuration cannot be changed; create a new one", {
        rule: "deactivation_over_deletion",
      });
    const inEffect = new Date(existing.effectiveFrom).getTime() <= now.getTime();
    const versioned = inEffect || (await tx.isUsed(existing.id));
    // tier_order is the tier's identity across versions (crossing records are unique per tier and
    // period): a new version with another tier_order could record the same tier twice.
    if (versioned && changes.tierOrder !== undefined && changes.tierOrder !== existing.tierOrder) {
      throw new DomainError(
        "conflict",
        "a configuration in effect or in use keeps its tier_order; create a new configuration for a new tier",
        {
          rule: "tier_identity_across_versions",
        },
      );
    }
    const base = asNew(existing);
    const merged: NewThresholdConfig = {
      ...base,
      ...(changes.name === undefined ? {} : { name: changes.name }),
      ...(changes.thresholdCount === undefined ? {} : { thresholdCount: changes.thresholdCount }),
      ...(changes.honorariumAmount === undefined ? {} : { honorariumAmount: changes.honorariumAmount }),
      ...(changes.currency === undefined ? {} : { currency: changes.currency }),
      ...(changes.periodType === undefined ? {} : { periodType: changes.periodType }),
      ...(changes.tierOrder === undefined ? {} : { tierOrder: changes.tierOrder }),
      ...(changes.thresholdLevel === undefined ? {} : { thresholdLevel: changes.thresholdLevel }),
      ...(changes.isCumulative === undefined ? {} : { isCumulative: changes.isCumulative }),
      ...(changes.description === undefined ? {} : { description: changes.description }),
      ...(changes.notificationEnabled === undefined ? {} : { notificationEnabled: changes.notificationEnabled }),
      ...(changes.effectiveUntil === undefined
        ? {}
        : { effectiveUntil: changes.effectiveUntil === null ? null : new Date(changes.effectiveUntil) }),
      effectiveFrom: changes.effectiveFrom !== undefined ? new Date(changes.effectiveFrom) : versioned ? now : base.effectiveFrom,
    };
    if (merged.effectiveUntil !== null && merged.effectiveUntil.getTime() <= merged.effectiveFrom.getTime()) {
      throw new DomainError("invalid", "effective_until_after_from: effective_until must be after effective_from", {
        rule: "effective_until_after_from",
      });
    }
    const overrideReason =
      changes.effectiveFrom !== undefined || versioned ? checkEffectiveFrom(merged, timeZone, now, input.override) : null;
    checkActiveSetRules(merged, await tx.list(false), existing.id);
    if (!versioned) {
      const updated = await tx.update(existing.id, merged);
      await tx.audit({ action: "update", configId: existing.id, before: existing, after: updated, overrideReason });
      return { config: updated, supersededConfigId: null, versioned: false };
    }
    const cutOver = merged.effectiveFrom.getTime() > new Date(existing.effectiveFrom).getTime() ? merged.effectiveFrom : undefined;
    const retired = await tx.update(existing.id, { isActive: false, ...(cutOver === undefined ? {} : { effectiveUntil: cutOver }) });
    await tx.audit({ action: "update", configId: existing.id, before: existing, after: retired, overrideReason });
    const successor = await tx.insert(merged);
    await tx.audit({ action: "create", configId: successor.id, before: existing, after: successor, overrideReason });
    return { config: successor, supersededConfigId: existing.id, versioned: true };
  });
  await ctx.deps.cache.bump([cacheVersions.organizationConfig(organizationId)]);
  return result;
}

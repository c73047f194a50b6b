import { cacheVersions } from "../../adapters/redis/read-cache.ts";
import { resolveOrganization } from "../../domain/access.ts";
import { changedFields, checkTimeZoneChange } from "../../domain/organization-settings.ts";
import type { OrganizationSettingsRecord } from "../../ports.ts";
import type { HandlerOptions } from "../types.ts";
import type { UpdateOrganizationInput } from "./update.schema.ts";

const EDITABLE = ["displayName", "timeZone", "locale"] as const;
type Editable = Pick<OrganizationSettingsRecord, (typeof EDITABLE)[number]>;

const editableOf = (settings: OrganizationSettingsRecord): Editable => ({
  displayName: settings.displayName,
  timeZone: settings.timeZone,
  locale: settings.locale,
});

/**
 * Display name, time zone and locale, audited in the same transaction. The time zone may change only
 * while the organisation has nothing counted (time_zone_fixed_after_first_count, see
 * domain/organization-settings.ts): periods already counted in one zone must not shift. Submitting
 * the values the organisation already has is no change (a form may send every field): nothing is
 * written or audited.
 */
export async function updateOrganizationHandler({ ctx, input }: HandlerOptions<UpdateOrganizationInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const { organizationSettings } = ctx.deps.repositories;
  const result = await organizationSettings.withOrganizationLocked(organizationId, ctx.caller, ctx.deps.now(), async (tx) => {
    const current = await tx.settings();
    const before = editableOf(current);
    const requested: Editable = {
      displayName: input.displayName === undefined ? before.displayName : input.displayName,
      timeZone: input.timeZone ?? before.timeZone,
      locale: input.locale ?? before.locale,
    };
    const zoneDiffers = requested.timeZone !== before.timeZone;
    checkTimeZoneChange({
      current: before.timeZone,
      requested: requested.timeZone,
      hasCountedActivity: zoneDiffers && (await tx.hasCountedActivity()),
    });
    const changed = changedFields(before, requested, EDITABLE);
    if (changed.length === 0) return { settings: current, changed };
    const updated = await tx.updateSettings({
      ...(changed.includes("displayName") ? { displayName: requested.displayName } : {}),
      ...(changed.includes("timeZone") ? { timeZone: requested.timeZone } : {}),
      ...(changed.includes("locale") ? { locale: requested.locale } : {}),
    });
    await tx.audit({ action: "update_settings", subject: null, before, after: editableOf(updated) });
    return { settings: updated, changed };
  });
  // Cached counts and dashboards depend on the zone (periods) and settings.
  if (result.changed.length > 0) await ctx.deps.cache.bump([cacheVersions.organizationConfig(organizationId)]);
  return { organizationId, ...result };
}

import { localDateOf } from "@honorarium/shared/domain";
import { isAdmin, resolveOrganization } from "../../domain/access.ts";
import type { HandlerOptions } from "../types.ts";
import type { SettingsInput } from "./settings.schema.ts";

/**
 * Coordinators and admins read the settings; payee references (payroll ids) only admins. Scope
 * names are the organisation's configuration, not data about mentors, so a coordinator sees every
 * scope's name (a scope picker needs them), as they see every threshold configuration.
 */
export async function settingsHandler({ ctx, input }: HandlerOptions<SettingsInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const { organizationSettings, organizations } = ctx.deps.repositories;
  const [view, counted] = await Promise.all([
    organizationSettings.read(organizationId, { includePayeeReferences: isAdmin(ctx.caller) }),
    organizationSettings.hasCountedActivity(organizationId),
  ]);
  const { settings } = view;
  const incomeYear = localDateOf(ctx.deps.now(), settings.timeZone).year;
  return {
    organizationId,
    displayName: settings.displayName,
    timeZone: settings.timeZone,
    /** false once anything is counted: time_zone_fixed_after_first_count. */
    timeZoneChangeable: !counted,
    locale: settings.locale,
    currency: settings.currency,
    taxFree: {
      /** The current income year (in the organisation's time zone) and the limit that applies to it. */
      incomeYear,
      limitAmount: await organizations.taxFreeLimit(organizationId, incomeYear),
      /** For a year without its own limit. */
      defaultLimitAmount: settings.defaultTaxFreeLimit,
      byIncomeYear: view.taxFreeLimits,
    },
    scopeNames: view.scopeNames,
    /** null: not shown to this caller (administrators only). */
    payeeReferences: view.payeeReferences,
    updatedAt: settings.updatedAt,
    updatedBy: settings.updatedBy,
  };
}

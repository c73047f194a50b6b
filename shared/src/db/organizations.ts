import type { Knex } from "knex";
import type { ThresholdLevel } from "../contracts/threshold-crossed.ts";
import { DEFAULT_TIME_ZONE, type PeriodType } from "../domain/period.ts";
import type { ThresholdTier } from "../domain/thresholds.ts";

interface ThresholdConfigRow {
  id: string;
  organization_id: string;
  name: string;
  threshold_count: number;
  honorarium_amount: string;
  currency: string;
  period_type: PeriodType;
  tier_order: number;
  threshold_level: ThresholdLevel;
  is_cumulative: boolean;
  is_active: boolean;
  effective_from: Date;
  effective_until: Date | null;
  notification_enabled: boolean;
}

export function tierFromRow(row: ThresholdConfigRow): ThresholdTier {
  return {
    configId: row.id,
    name: row.name,
    thresholdCount: row.threshold_count,
    honorariumAmount: row.honorarium_amount,
    currency: row.currency.trim(),
    periodType: row.period_type,
    tierOrder: row.tier_order,
    thresholdLevel: row.threshold_level,
    isCumulative: row.is_cumulative,
    isActive: row.is_active,
    effectiveFrom: row.effective_from,
    effectiveUntil: row.effective_until,
    notificationEnabled: row.notification_enabled,
  };
}

/**
 * The threshold tiers that can apply to an event of the given organizations, by organization id:
 * the active ones and the retired versions that keep their window (effective_until set), for
 * events confirmed before a change (see tiersEffectiveAt).
 */
export async function loadTiersForEvaluation(
  db: Knex | Knex.Transaction,
  organizationIds: readonly string[],
): Promise<Map<string, ThresholdTier[]>> {
  const byOrganization = new Map<string, ThresholdTier[]>(organizationIds.map((id) => [id, []]));
  if (organizationIds.length === 0) return byOrganization;
  const rows: ThresholdConfigRow[] = await db("threshold_configs")
    .whereIn("organization_id", organizationIds)
    .andWhere((where) => where.where("is_active", true).orWhereNotNull("effective_until"));
  for (const row of rows) byOrganization.get(row.organization_id)?.push(tierFromRow(row));
  return byOrganization;
}

/** Each organization's time zone; organizations without settings get Europe/Oslo. */
export async function loadTimeZones(db: Knex | Knex.Transaction, organizationIds: readonly string[]): Promise<Map<string, string>> {
  const zones = new Map<string, string>(organizationIds.map((id) => [id, DEFAULT_TIME_ZONE]));
  if (organizationIds.length === 0) return zones;
  const rows: { organization_id: string; time_zone: string }[] = await db("organization_settings")
    .select("organization_id", "time_zone")
    .whereIn("organization_id", organizationIds);
  for (const row of rows) zones.set(row.organization_id, row.time_zone);
  return zones;
}

import { tierFromRow, loadTiersForEvaluation } from "@honorarium/shared/db";
import type { Knex } from "knex";
import { notFound } from "../../domain/errors.ts";
import type { AuditLogEntry, IConfigsRepository, IConfigsTransaction, NewThresholdConfig, ThresholdConfigRecord } from "../../ports.ts";
import { iso, isoRequired } from "./visibility.ts";

interface ConfigRow {
  id: string;
  organization_id: string;
  name: string;
  threshold_count: number;
  honorarium_amount: string;
  currency: string;
  period_type: ThresholdConfigRecord["periodType"];
  tier_order: number;
  threshold_level: "office_honorarium" | "higher_rate" | "custom";
  is_cumulative: boolean;
  is_active: boolean;
  effective_from: Date;
  effective_until: Date | null;
  description: string | null;
  notification_enabled: boolean;
  created_at: Date;
  updated_at: Date;
  created_by: string;
  updated_by: string | null;
}

function recordFromRow(row: ConfigRow): ThresholdConfigRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    name: row.name,
    thresholdCount: row.threshold_count,
    honorariumAmount: row.honorarium_amount,
    currency: row.currency.trim(),
    periodType: row.period_type,
    tierOrder: row.tier_order,
    thresholdLevel: row.threshold_level,
    isCumulative: row.is_cumulative,
    isActive: row.is_active,
    effectiveFrom: isoRequired(row.effective_from),
    effectiveUntil: iso(row.effective_until),
    description: row.description,
    notificationEnabled: row.notification_enabled,
    createdAt: isoRequired(row.created_at),
    updatedAt: isoRequired(row.updated_at),
    createdBy: row.created_by,
    updatedBy: row.updated_by,
  };
}

function columnsOf(config: Partial<NewThresholdConfig> & { isActive?: boolean }): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  const set = (column: string, value: unknown) => {
    if (value !== undefined) columns[column] = value;
  };
  set("name", config.name);
  set("threshold_count", config.thresholdCount);
  set("honorarium_amount", config.honorariumAmount);
  set("currency", config.currency);
  set("period_type", config.periodType);
  set("tier_order", config.tierOrder);
  set("threshold_level", config.thresholdLevel);
  set("is_cumulative", config.isCumulative);
  set("effective_from", config.effectiveFrom);
  set("effective_until", config.effectiveUntil);
  set("description", config.description);
  set("notification_enabled", config.notificationEnabled);
  set("is_active", config.isActive);
  return columns;
}

export function createPostgresConfigsRepository(db: Knex): IConfigsRepository {
  return {
    async list(organizationId, includeInactive) {
      const query = db("threshold_configs").where({ organization_id: organizationId });
      if (!includeInactive) query.where("is_active", true);
      const rows: ConfigRow[] = await query.orderBy([
        { column: "period_type" },
        { column: "tier_order" },
        { column: "threshold_count" },
        { column: "created_at" },
      ]);
      return rows.map(recordFromRow);
    },
    async activeTiers(organizationId) {
      const rows: ConfigRow[] = await db("threshold_configs").where({ organization_id: organizationId, is_active: true });
      return rows.map((row) => tierFromRow(row));
    },
    async tiersForEvaluation(organizationId) {
      return (await loadTiersForEvaluation(db, [organizationId])).get(organizationId) ?? [];
    },
    async withOrganizationLocked(organizationId, actor, work) {
      return db.transaction(async (trx) => {
        // One writer per organization at a time: the business rules read the whole set of active configs.
        await trx.raw("select pg_advisory_xact_lock(hashtext('threshold_configs'), hashtext(?))", [organizationId]);
        const tx: IConfigsTransaction = {
          async list(includeInactive) {
            const query = trx("threshold_configs").where({ organization_id: organizationId });
            if (!includeInactive) query.where("is_active", true);
            const rows: ConfigRow[] = await query;
            return rows.map(recordFromRow);
          },
          async find(configId) {
            const row: ConfigRow | undefined = await trx("threshold_configs")
              .where({ organization_id: organizationId, id: configId })
              .first();
            return row === undefined ? undefined : recordFromRow(row);
          },
          async isUsed(configId) {
            const row = await trx("honorarium_records").select("id").where({ threshold_config_id: configId }).first();
            return row !== undefined;
          },
          async insert(config) {
            const [row]: ConfigRow[] = await trx("threshold_configs")
              .insert({ ...columnsOf(config), organization_id: organizationId, created_by: actor.userId, updated_by: actor.userId })
              .returning("*");
            if (row === undefined) throw new Error("insert returned no row");
            return recordFromRow(row);
          },
          async update(configId, changes) {
            const [row]: ConfigRow[] = await trx("threshold_configs")
              .update({ ...columnsOf(changes), updated_by: actor.userId })
              .where({ organization_id: organizationId, id: configId })
              .returning("*");
            if (row === undefined) throw notFound(`no threshold configuration ${configId} in this organization`);
            return recordFromRow(row);
          },
          async audit(entry) {
            await trx("config_audit_log").insert({
              organization_id: organizationId,
              config_id: entry.configId,
              action: entry.action,
              actor_id: actor.userId,
              actor_roles: [...actor.roles],
              before: entry.before === null ? null : JSON.stringify(entry.before),
              after: entry.after === null ? null : JSON.stringify(entry.after),
              override_reason: entry.overrideReason,
            });
          },
        };
        return work(tx);
      });
    },
    async auditLog(organizationId, configId, limit) {
      const query = db("config_audit_log").where({ organization_id: organizationId });
      if (configId !== undefined) query.where({ config_id: configId });
      const rows: {
        id: number;
        config_id: string;
        action: string;
        actor_id: string;
        actor_roles: string[];
        occurred_at: Date;
        before: unknown;
        after: unknown;
        override_reason: string | null;
      }[] = await query
        .orderBy([
          { column: "occurred_at", order: "desc" },
          { column: "id", order: "desc" },
        ])
        .limit(limit);
      return rows.map((row): AuditLogEntry => ({
        id: row.id,
        configId: row.config_id,
        action: row.action,
        actorId: row.actor_id,
        actorRoles: row.actor_roles,
        occurredAt: isoRequired(row.occurred_at),
        before: row.before,
        after: row.after,
        overrideReason: row.override_reason,
      }));
    },
  };
}

import { DEFAULT_LOCALE, DEFAULT_TIME_ZONE, type Locale } from "@honorarium/shared/domain";
import type { Knex } from "knex";
import { STATUTORY_TAX_FREE_LIMIT } from "../../domain/organization-settings.ts";
import type {
  IOrganizationSettingsRepository,
  IOrganizationSettingsTransaction,
  OrganizationSettingsAction,
  OrganizationSettingsAuditEntry,
  OrganizationSettingsRecord,
} from "../../ports.ts";
import { iso, isoRequired } from "./visibility.ts";

interface SettingsRow {
  display_name: string | null;
  time_zone: string;
  locale: Locale;
  currency: string;
  tax_free_limit: string;
  updated_at: Date;
  updated_by: string | null;
}

const SETTINGS_COLUMNS = ["display_name", "time_zone", "locale", "currency", "tax_free_limit", "updated_at", "updated_by"];

/** An organisation without a row has the defaults the counter also uses (Europe/Oslo, NOK, NOK 10,000). */
function settingsFromRow(row: SettingsRow | undefined): OrganizationSettingsRecord {
  if (row === undefined) {
    return {
      displayName: null,
      timeZone: DEFAULT_TIME_ZONE,
      locale: DEFAULT_LOCALE,
      currency: "NOK",
      defaultTaxFreeLimit: STATUTORY_TAX_FREE_LIMIT,
      updatedAt: null,
      updatedBy: null,
    };
  }
  return {
    displayName: row.display_name,
    timeZone: row.time_zone,
    locale: row.locale,
    currency: row.currency.trim(),
    defaultTaxFreeLimit: row.tax_free_limit,
    updatedAt: iso(row.updated_at),
    updatedBy: row.updated_by,
  };
}

/**
 * Counted in a period: a ledger row with a local month (counted or cancelled; a tombstone has none),
 * a monthly count (whatever wrote it), or a delivery with its accounting half-year.
 */
async function hasCountedActivity(db: Knex | Knex.Transaction, organizationId: string): Promise<boolean> {
  const result: { rows: { counted: boolean }[] } = await db.raw(
    `select exists (select 1 from assignment_ledger where organization_id = ? and month_key is not null)
         or exists (select 1 from mentor_month_counts where organization_id = ?)
         or exists (select 1 from assignment_deliveries where organization_id = ?) as counted`,
    [organizationId, organizationId, organizationId],
  );
  return result.rows[0]?.counted === true;
}

export function createPostgresOrganizationSettingsRepository(db: Knex): IOrganizationSettingsRepository {
  return {
    async read(organizationId, { includePayeeReferences }) {
      const [settingsRow, limitRows, scopeRows, payeeRows] = await Promise.all([
        db("organization_settings").select(SETTINGS_COLUMNS).where({ organization_id: organizationId }).first() as Promise<
          SettingsRow | undefined
        >,
        db("tax_free_limits")
          .select("income_year", "limit_amount")
          .where({ organization_id: organizationId })
          .orderBy("income_year") as Promise<{ income_year: number; limit_amount: string }[]>,
        db("scope_names")
          .select("scope_id", "display_name", "updated_at")
          .where({ organization_id: organizationId })
          .orderBy([{ column: "display_name" }, { column: "scope_id" }]) as Promise<
          { scope_id: string; display_name: string; updated_at: Date }[]
        >,
        includePayeeReferences
          ? (db("payee_references")
              .select("peer_mentor_id", "payee_reference", "updated_at")
              .where({ organization_id: organizationId })
              .orderBy("peer_mentor_id") as Promise<{ peer_mentor_id: string; payee_reference: string; updated_at: Date }[]>)
          : Promise.resolve(null),
      ]);
      return {
        settings: settingsFromRow(settingsRow),
        taxFreeLimits: limitRows.map((row) => ({ incomeYear: row.income_year, limitAmount: row.limit_amount })),
        scopeNames: scopeRows.map((row) => ({
          scopeId: row.scope_id,
          displayName: row.display_name,
          updatedAt: isoRequired(row.updated_at),
        })),
        payeeReferences:
          payeeRows === null
            ? null
            : payeeRows.map((row) => ({
                peerMentorId: row.peer_mentor_id,
                payeeReference: row.payee_reference,
                updatedAt: isoRequired(row.updated_at),
              })),
      };
    },

    hasCountedActivity: (organizationId) => hasCountedActivity(db, organizationId),

    async withOrganizationLocked(organizationId, actor, now, work) {
      return db.transaction(async (trx) => {
        // One writer per organisation: a change reads what it replaces (the audit's "before") and,
        // for the time zone, whether anything is counted yet.
        await trx.raw("select pg_advisory_xact_lock(hashtext('organization_settings'), hashtext(?))", [organizationId]);
        const tx: IOrganizationSettingsTransaction = {
          async settings() {
            const row: SettingsRow | undefined = await trx("organization_settings")
              .select(SETTINGS_COLUMNS)
              .where({ organization_id: organizationId })
              .first();
            return settingsFromRow(row);
          },
          hasCountedActivity: () => hasCountedActivity(trx, organizationId),
          async updateSettings(changes) {
            const columns: Record<string, unknown> = { updated_by: actor.userId };
            if (changes.displayName !== undefined) columns.display_name = changes.displayName;
            if (changes.timeZone !== undefined) columns.time_zone = changes.timeZone;
            if (changes.locale !== undefined) columns.locale = changes.locale;
            const [row]: SettingsRow[] = await trx("organization_settings")
              .insert({ organization_id: organizationId, ...columns })
              .onConflict("organization_id")
              .merge(Object.keys(columns))
              .returning(SETTINGS_COLUMNS);
            return settingsFromRow(row);
          },
          async taxFreeLimit(incomeYear) {
            const row: { limit_amount: string } | undefined = await trx("tax_free_limits")
              .select("limit_amount")
              .where({ organization_id: organizationId, income_year: incomeYear })
              .first();
            return row?.limit_amount ?? null;
          },
          async setTaxFreeLimit(incomeYear, limitAmount) {
            await trx("tax_free_limits")
              .insert({ organization_id: organizationId, income_year: incomeYear, limit_amount: limitAmount })
              .onConflict(["organization_id", "income_year"])
              .merge(["limit_amount"]);
          },
          async scopeName(scopeId) {
            const row: { display_name: string } | undefined = await trx("scope_names")
              .select("display_name")
              .where({ organization_id: organizationId, scope_id: scopeId })
              .first();
            return row?.display_name ?? null;
          },
          async setScopeName(scopeId, displayName) {
            await trx("scope_names")
              .insert({
                organization_id: organizationId,
                scope_id: scopeId,
                display_name: displayName,
                updated_at: now,
                updated_by: actor.userId,
              })
              .onConflict(["organization_id", "scope_id"])
              .merge(["display_name", "updated_at", "updated_by"]);
          },
          async payeeReference(peerMentorId) {
            const row: { payee_reference: string } | undefined = await trx("payee_references")
              .select("payee_reference")
              .where({ organization_id: organizationId, peer_mentor_id: peerMentorId })
              .first();
            return row?.payee_reference ?? null;
          },
          async setPayeeReference(peerMentorId, payeeReference) {
            if (payeeReference === null) {
              await trx("payee_references").where({ organization_id: organizationId, peer_mentor_id: peerMentorId }).delete();
              return;
            }
            await trx("payee_references")
              .insert({
                organization_id: organizationId,
                peer_mentor_id: peerMentorId,
                payee_reference: payeeReference,
                updated_at: now,
                updated_by: actor.userId,
              })
              .onConflict(["organization_id", "peer_mentor_id"])
              .merge(["payee_reference", "updated_at", "updated_by"]);
          },
          async audit(entry) {
            await trx("organization_settings_audit_log").insert({
              organization_id: organizationId,
              action: entry.action,
              subject: entry.subject,
              actor_id: actor.userId,
              actor_roles: [...actor.roles],
              occurred_at: now,
              before: entry.before === null ? null : JSON.stringify(entry.before),
              after: entry.after === null ? null : JSON.stringify(entry.after),
            });
          },
        };
        return work(tx);
      });
    },

    async auditLog(organizationId, page) {
      const [rows, totalRow] = await Promise.all([
        db("organization_settings_audit_log")
          .where({ organization_id: organizationId })
          .orderBy([
            { column: "occurred_at", order: "desc" },
            { column: "id", order: "desc" },
          ])
          .limit(page.limit)
          .offset(page.offset) as Promise<
          {
            id: string | number;
            action: OrganizationSettingsAction;
            subject: string | null;
            actor_id: string;
            actor_roles: string[];
            occurred_at: Date;
            before: unknown;
            after: unknown;
          }[]
        >,
        db("organization_settings_audit_log").where({ organization_id: organizationId }).count({ total: "*" }).first() as Promise<
          { total: string | number } | undefined
        >,
      ]);
      return {
        total: Number(totalRow?.total ?? 0),
        entries: rows.map((row): OrganizationSettingsAuditEntry => ({
          id: Number(row.id),
          action: row.action,
          subject: row.subject,
          actorId: row.actor_id,
          actorRoles: row.actor_roles,
          occurredAt: isoRequired(row.occurred_at),
          before: row.before,
          after: row.after,
        })),
      };
    },
  };
}

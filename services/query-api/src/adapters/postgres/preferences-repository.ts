import type { Knex } from "knex";
import type { NotificationPreference } from "@honorarium/shared/domain";
import type { IPreferencesRepository } from "../../ports.ts";

export function createPostgresPreferencesRepository(db: Knex): IPreferencesRepository {
  async function list(organizationId: string, userId: string, trx: Knex | Knex.Transaction = db): Promise<NotificationPreference[]> {
    return trx("notification_preferences")
      .select("channel", "category", "enabled")
      .where({ organization_id: organizationId, user_id: userId });
  }
  async function digestScopes(organizationId: string, userId: string, trx: Knex | Knex.Transaction = db): Promise<string[]> {
    const rows: { scope_id: string }[] = await trx("notification_digests")
      .select("scope_id")
      .where({ organization_id: organizationId, user_id: userId })
      .orderBy("scope_id");
    return rows.map((row) => row.scope_id);
  }
  return {
    list: (organizationId, userId) => list(organizationId, userId),
    digestScopes: (organizationId, userId) => digestScopes(organizationId, userId),
    async setDigest(organizationId, userId, scopeId, enabled) {
      return db.transaction(async (trx) => {
        const row = { organization_id: organizationId, user_id: userId, scope_id: scopeId };
        if (enabled) await trx("notification_digests").insert(row).onConflict(["organization_id", "user_id", "scope_id"]).ignore();
        else await trx("notification_digests").where(row).delete();
        return digestScopes(organizationId, userId, trx);
      });
    },
    async set(organizationId, userId, preferences) {
      return db.transaction(async (trx) => {
        await trx("notification_preferences")
          .insert(
            preferences.map((entry) => ({
              organization_id: organizationId,
              user_id: userId,
              channel: entry.channel,
              category: entry.category,
              enabled: entry.enabled,
            })),
          )
          .onConflict(["organization_id", "user_id", "channel", "category"])
          .merge(["enabled", "updated_at"]);
        return list(organizationId, userId, trx);
      });
    },
  };
}

import type { Knex } from "knex";
import type { NotificationPreference } from "@honorarium/shared/domain";
import type { IPreferencesRepository } from "../../ports.ts";

export function createPostgresPreferencesRepository(db: Knex): IPreferencesRepository {
  async function list(organizationId: string, userId: string, trx: Knex | Knex.Transaction = db): Promise<NotificationPreference[]> {
    return trx("notification_preferences")
      .select("channel", "category", "enabled")
      .where({ organization_id: organizationId, user_id: userId });
  }
  return {
    list: (organizationId, userId) => list(organizationId, userId),
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

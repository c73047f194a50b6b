import type { Knex } from "knex";
import type { IWebhooksRepository, WebhookSettings } from "../../ports.ts";
import { isoRequired } from "./visibility.ts";

interface WebhookRow {
  url: string;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
  updated_by: string | null;
}

// The secret column is never selected here except to know whether one exists.
const PUBLIC_COLUMNS = ["url", "enabled", "created_at", "updated_at", "updated_by"];

const settingsFromRow = (row: WebhookRow): WebhookSettings => ({
  url: row.url,
  enabled: row.enabled,
  createdAt: isoRequired(row.created_at),
  updatedAt: isoRequired(row.updated_at),
  updatedBy: row.updated_by,
});

export function createPostgresWebhooksRepository(db: Knex): IWebhooksRepository {
  return {
    async get(organizationId) {
      const row: WebhookRow | undefined = await db("organization_webhooks")
        .select(PUBLIC_COLUMNS)
        .where({ organization_id: organizationId })
        .first();
      return row === undefined ? undefined : settingsFromRow(row);
    },
    async hasSecret(organizationId) {
      return (await db("organization_webhooks").select("organization_id").where({ organization_id: organizationId }).first()) !== undefined;
    },
    async set({ organizationId, url, newSecret, actorId }) {
      return db.transaction(async (trx) => {
        const existing = await trx("organization_webhooks")
          .select("organization_id")
          .where({ organization_id: organizationId })
          .forUpdate()
          .first();
        if (existing === undefined) {
          if (newSecret === undefined) throw new Error("a new webhook needs a secret");
          const [row]: WebhookRow[] = await trx("organization_webhooks")
            .insert({ organization_id: organizationId, url, secret: newSecret, enabled: true, updated_by: actorId })
            .returning(PUBLIC_COLUMNS);
          if (row === undefined) throw new Error("insert returned no row");
          return { settings: settingsFromRow(row), created: true };
        }
        const changes: Record<string, unknown> = { url, enabled: true, updated_by: actorId };
        if (newSecret !== undefined) changes.secret = newSecret;
        const [row]: WebhookRow[] = await trx("organization_webhooks")
          .update(changes)
          .where({ organization_id: organizationId })
          .returning(PUBLIC_COLUMNS);
        if (row === undefined) throw new Error("update returned no row");
        return { settings: settingsFromRow(row), created: false };
      });
    },
    async disable(organizationId, actorId) {
      const [row]: WebhookRow[] = await db("organization_webhooks")
        .update({ enabled: false, updated_by: actorId })
        .where({ organization_id: organizationId })
        .returning(PUBLIC_COLUMNS);
      return row === undefined ? undefined : settingsFromRow(row);
    },
  };
}

import type { Knex } from "knex";
import type { IWebhooksRepository, WebhookAttempt, WebhookSettings } from "../../ports.ts";
import { isoRequired } from "./visibility.ts";

interface WebhookRow {
  url: string;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
  updated_by: string | null;
  disabled_reason: string | null;
  disabled_at: Date | null;
  consecutive_failures: number;
  failing_since: Date | null;
  previous_secret_expires_at: Date | null;
}

// The secret columns are never selected here except to know whether one exists.
const PUBLIC_COLUMNS = [
  "url",
  "enabled",
  "created_at",
  "updated_at",
  "updated_by",
  "disabled_reason",
  "disabled_at",
  "consecutive_failures",
  "failing_since",
  "previous_secret_expires_at",
];

const settingsFromRow = (row: WebhookRow): WebhookSettings => ({
  url: row.url,
  enabled: row.enabled,
  createdAt: isoRequired(row.created_at),
  updatedAt: isoRequired(row.updated_at),
  updatedBy: row.updated_by,
  disabledReason: row.disabled_reason,
  disabledAt: row.disabled_at === null ? null : isoRequired(row.disabled_at),
  consecutiveFailures: row.consecutive_failures,
  failingSince: row.failing_since === null ? null : isoRequired(row.failing_since),
  previousSecretValidUntil: row.previous_secret_expires_at === null ? null : isoRequired(row.previous_secret_expires_at),
});

// Switching on (set or enable) starts a clean record: the streak that switched it off is over.
const FRESH_HEALTH = { consecutive_failures: 0, failing_since: null, disabled_reason: null, disabled_at: null };

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
        const changes: Record<string, unknown> = { url, enabled: true, updated_by: actorId, ...FRESH_HEALTH };
        // set({ rotateSecret: true }) replaces at once, as documented before rotateSecret existed.
        if (newSecret !== undefined) Object.assign(changes, { secret: newSecret, previous_secret: null, previous_secret_expires_at: null });
        const [row]: WebhookRow[] = await trx("organization_webhooks")
          .update(changes)
          .where({ organization_id: organizationId })
          .returning(PUBLIC_COLUMNS);
        if (row === undefined) throw new Error("update returned no row");
        return { settings: settingsFromRow(row), created: false };
      });
    },
    async enable(organizationId, actorId) {
      const [row]: WebhookRow[] = await db("organization_webhooks")
        .update({ enabled: true, updated_by: actorId, ...FRESH_HEALTH })
        .where({ organization_id: organizationId })
        .returning(PUBLIC_COLUMNS);
      return row === undefined ? undefined : settingsFromRow(row);
    },
    async rotateSecret({ organizationId, newSecret, previousValidUntil, actorId }) {
      // One statement: the current secret becomes the previous one as the new one is stored, so
      // a concurrent send signs with the old pair or the new pair, never with neither.
      const [row]: WebhookRow[] = await db("organization_webhooks")
        .update({
          previous_secret: db.ref("secret"),
          previous_secret_expires_at: previousValidUntil,
          secret: newSecret,
          updated_by: actorId,
        })
        .where({ organization_id: organizationId })
        .returning(PUBLIC_COLUMNS);
      return row === undefined ? undefined : settingsFromRow(row);
    },
    async replay({ organizationId, since, until, status }) {
      // Same job, same id (= webhook-id): receivers drop what they already have. A job in
      // flight (pending, claimed) is left alone; the attempt ladder restarts at attempt_base.
      const query = db("notification_jobs")
        .where({ organization_id: organizationId, channel: "webhook" })
        .andWhere("created_at", ">=", since)
        .andWhere("created_at", "<", until)
        .whereNot("status", "pending");
      if (status !== undefined) query.andWhere("status", status);
      return query.update({
        status: "pending",
        next_attempt_at: db.fn.now(),
        attempt_base: db.ref("attempt_count"),
        replay_count: db.raw("replay_count + 1"),
        replayed_at: db.fn.now(),
        last_error: null,
        failed_at: null,
      });
    },
    async attempts({ organizationId, deliveryId, beforeId, limit }) {
      const query = db("notification_attempts as a")
        .join("notification_jobs as j", "j.id", "a.job_id")
        .where({ "j.organization_id": organizationId, "j.channel": "webhook" })
        .select(
          "a.id",
          "a.job_id",
          "j.event_id",
          "a.attempt_number",
          "a.started_at",
          "a.finished_at",
          "a.outcome",
          "a.http_status",
          "a.error",
          "a.retry_in_ms",
        )
        .orderBy("a.id", "desc")
        .limit(limit + 1);
      if (deliveryId !== undefined) query.andWhere("a.job_id", deliveryId);
      if (beforeId !== undefined) query.andWhere("a.id", "<", beforeId);
      const rows: {
        id: string;
        job_id: string;
        event_id: string;
        attempt_number: number;
        started_at: Date;
        finished_at: Date;
        outcome: WebhookAttempt["outcome"];
        http_status: number | null;
        error: string | null;
        retry_in_ms: number | null;
      }[] = await query;
      const page = rows.slice(0, limit);
      return {
        items: page.map((row) => ({
          id: String(row.id),
          deliveryId: row.job_id,
          eventId: row.event_id,
          attemptNumber: row.attempt_number,
          startedAt: isoRequired(row.started_at),
          finishedAt: isoRequired(row.finished_at),
          durationMs: row.finished_at.getTime() - row.started_at.getTime(),
          outcome: row.outcome,
          httpStatus: row.http_status,
          error: row.error,
          retryInMs: row.retry_in_ms,
        })),
        nextCursor: rows.length > limit ? String(page.at(-1)?.id) : null,
      };
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

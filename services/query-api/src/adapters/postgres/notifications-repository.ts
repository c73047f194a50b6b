import type { Knex } from "knex";
import type { Visibility } from "../../domain/access.ts";
import type { FailedNotificationJob, IPushSubscriptionsRepository, INotificationsRepository, InAppNotification } from "../../ports.ts";
import { iso, isoRequired } from "./visibility.ts";

export function createPostgresNotificationsRepository(db: Knex): INotificationsRepository {
  return {
    async list({ organizationId, recipientId, unreadOnly, limit, before }) {
      const query = db("in_app_notifications")
        .select("id", "kind", "title", "body", "deep_link", "data", "created_at", "read_at")
        .where({ organization_id: organizationId, recipient_id: recipientId });
      if (unreadOnly) query.whereNull("read_at");
      if (before !== undefined) query.where("created_at", "<", before);
      const rows: {
        id: string;
        kind: string;
        title: string;
        body: string;
        deep_link: string | null;
        data: unknown;
        created_at: Date;
        read_at: Date | null;
      }[] = await query
        .orderBy([
          { column: "created_at", order: "desc" },
          { column: "id", order: "desc" },
        ])
        .limit(limit);
      const unread: { n: number } | undefined = await db("in_app_notifications")
        .count<{ n: number }[]>({ n: "*" })
        .where({ organization_id: organizationId, recipient_id: recipientId })
        .whereNull("read_at")
        .first();
      return {
        items: rows.map((row): InAppNotification => ({
          id: row.id,
          kind: row.kind,
          title: row.title,
          body: row.body,
          deepLink: row.deep_link,
          data: row.data,
          createdAt: isoRequired(row.created_at),
          readAt: iso(row.read_at),
        })),
        unreadCount: Number(unread?.n ?? 0),
      };
    },
    async markRead({ organizationId, recipientId, ids, now }) {
      const query = db("in_app_notifications")
        .update({ read_at: now })
        .where({ organization_id: organizationId, recipient_id: recipientId })
        .whereNull("read_at");
      if (ids !== "all") query.whereIn("id", [...ids]);
      return query;
    },
    async failedJobs(organizationId: string, visibility: Visibility, limit: number) {
      const query = db("notification_jobs as j")
        .leftJoin("honorarium_records as r", "r.id", "j.record_id")
        .select(
          "j.id",
          "j.event_id",
          "j.kind",
          "j.record_id",
          "j.recipient_id",
          "j.recipient_role",
          "j.channel",
          "j.attempt_count",
          "j.last_error",
          "j.failed_at",
          "j.created_at",
        )
        .where({ "j.organization_id": organizationId, "j.status": "failed" });
      if (visibility.kind === "scopes") {
        const scopeIds = [...visibility.scopeIds];
        query.where((q) => {
          q.whereNull("r.scope_id");
          if (scopeIds.length > 0) q.orWhereIn("r.scope_id", scopeIds);
        });
      } else if (visibility.kind === "self") {
        query.where("j.recipient_id", visibility.peerMentorId);
      }
      const rows: {
        id: string;
        event_id: string;
        kind: string;
        record_id: string | null;
        recipient_id: string;
        recipient_role: string;
        channel: string;
        attempt_count: number;
        last_error: string | null;
        failed_at: Date | null;
        created_at: Date;
      }[] = await query.orderBy([{ column: "j.failed_at", order: "desc" }, { column: "j.id" }]).limit(limit);
      return rows.map((row): FailedNotificationJob => ({
        id: row.id,
        eventId: row.event_id,
        kind: row.kind,
        recordId: row.record_id,
        recipientId: row.recipient_id,
        recipientRole: row.recipient_role,
        channel: row.channel,
        attemptCount: row.attempt_count,
        // Errors are the notifier's own summaries (status codes, timeouts); cut to keep responses small.
        lastError: row.last_error === null ? null : row.last_error.slice(0, 500),
        failedAt: iso(row.failed_at),
        createdAt: isoRequired(row.created_at),
      }));
    },
  };
}

export function createPostgresPushSubscriptionsRepository(db: Knex): IPushSubscriptionsRepository {
  return {
    async upsert({ organizationId, userId, endpoint, p256dh, auth }) {
      // A subscription belongs to its owner: subscribing again refreshes the owner's keys, but an
      // endpoint owned by another user (of any organisation) is never moved (issue 14: a takeover
      // silently stopped the victim's pushes). No row back means someone else owns it.
      const [row]: { id: string }[] = await db("push_subscriptions")
        .insert({ organization_id: organizationId, user_id: userId, endpoint, p256dh, auth })
        .onConflict("endpoint")
        .merge({ p256dh, auth })
        .where({ "push_subscriptions.organization_id": organizationId, "push_subscriptions.user_id": userId })
        .returning("id");
      return row ?? null;
    },
    async remove({ userId, endpoint }) {
      return db("push_subscriptions").delete().where({ user_id: userId, endpoint });
    },
  };
}

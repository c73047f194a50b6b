import type { Knex } from "@honorarium/shared/db";

export interface DueDeliveryRow {
  id: string;
  assignmentId: string;
  peerMentorId: string;
  organizationId: string;
  deliveryStatus: string;
  deliveredAt: Date | null;
  openedAt: Date | null;
  reminderSentAt: Date | null;
  reminderCount: number;
  expiresAt: Date | null;
}

/**
 * Deliveries whose reminder is due (spec 004), locked for this transaction. SKIP LOCKED: a
 * second scheduler running at the same moment takes other rows or none.
 */
export async function lockDueDeliveries(trx: Knex.Transaction, cutoff: Date, limit: number, now: Date): Promise<DueDeliveryRow[]> {
  const rows: {
    id: string;
    assignment_id: string;
    peer_mentor_id: string;
    organization_id: string;
    delivery_status: string;
    delivered_at: Date | null;
    opened_at: Date | null;
    reminder_sent_at: Date | null;
    reminder_count: number;
    expires_at: Date | null;
  }[] = await trx("assignment_deliveries")
    .select(
      "id",
      "assignment_id",
      "peer_mentor_id",
      "organization_id",
      "delivery_status",
      "delivered_at",
      "opened_at",
      "reminder_sent_at",
      "reminder_count",
      "expires_at",
    )
    .where("delivery_status", "delivered")
    .whereNull("opened_at")
    .andWhere("delivered_at", "<=", cutoff)
    .andWhere((query) => query.whereNull("reminder_sent_at").orWhere("reminder_sent_at", "<=", cutoff))
    // The pass's clock, not the database's: tests and replays run the pass at a chosen instant.
    .andWhere((query) => query.whereNull("expires_at").orWhere("expires_at", ">", now))
    .orderBy("delivered_at")
    .limit(limit)
    .forUpdate()
    .skipLocked();
  return rows.map((row) => ({
    id: row.id,
    assignmentId: row.assignment_id,
    peerMentorId: row.peer_mentor_id,
    organizationId: row.organization_id,
    deliveryStatus: row.delivery_status,
    deliveredAt: row.delivered_at,
    openedAt: row.opened_at,
    reminderSentAt: row.reminder_sent_at,
    reminderCount: row.reminder_count,
    expiresAt: row.expires_at,
  }));
}

/**
 * Spec 004 expiry, once per delivery: the status guard in the WHERE clause is what makes a second
 * pass (or a concurrent one on another instance, which waits for the row lock and then re-checks)
 * change nothing. The expired deliveries' pending reminder jobs are skipped in the same
 * transaction, so no reminder for an expired assignment goes out after it.
 */
export async function expireDeliveries(trx: Knex.Transaction, now: Date, statuses: readonly string[], limit: number): Promise<string[]> {
  const result: { rows: { id: string }[] } = await trx.raw(
    `with due as (
       select id from assignment_deliveries
        where expires_at is not null and expires_at <= ? and delivery_status = any(?::text[])
        order by expires_at
        limit ?
        for update skip locked
     )
     update assignment_deliveries d
        set delivery_status = 'expired'
       from due
      where d.id = due.id and d.delivery_status = any(?::text[])
     returning d.id`,
    [now, [...statuses], limit, [...statuses]],
  );
  const ids = result.rows.map((row) => row.id);
  if (ids.length > 0) {
    await trx("notification_jobs")
      .where({ kind: "delivery_reminder", status: "pending" })
      .whereRaw("payload->'data'->>'deliveryId' = any(?::text[])", [ids])
      .update({ status: "skipped", last_error: "the delivery expired" });
  }
  return ids;
}

/**
 * Counts one reminder, only if nobody counted it since we read the row (the database is the
 * final guard against a double reminder, whatever the Redis lock said). Returns the new
 * reminder number, or undefined when another pass got there first.
 */
export async function countReminder(trx: Knex.Transaction, delivery: DueDeliveryRow, sentAt: Date): Promise<number | undefined> {
  const result: { rows: { reminder_count: number }[] } = await trx.raw(
    `update assignment_deliveries
        set reminder_count = reminder_count + 1, reminder_sent_at = ?
      where id = ? and reminder_count = ? and reminder_sent_at is not distinct from ?::timestamptz
      returning reminder_count`,
    [sentAt, delivery.id, delivery.reminderCount, delivery.reminderSentAt],
  );
  return result.rows[0]?.reminder_count;
}

import type { Knex } from "knex";
import { amountsDueByRecord } from "@honorarium/shared/domain";
import { DomainError, notFound } from "../../domain/errors.ts";
import type { PaymentStatus } from "../../domain/payment-lifecycle.ts";
import type { Crossing, RecordSource } from "../../domain/progress.ts";
import type { IRecordsRepository } from "../../ports.ts";
import { iso, isoColumn, isoRequired, whereVisible } from "./visibility.ts";

interface RecordRow {
  id: string;
  peer_mentor_id: string;
  scope_id: string | null;
  threshold_config_id: string | null;
  tier_name: string | null;
  tier_order: number | null;
  threshold_level: string;
  threshold_assignment_number: number | null;
  honorarium_rate: string | null;
  currency: string;
  is_cumulative: boolean;
  period_type: Crossing["periodType"];
  period_key: string;
  fiscal_year: number;
  assignment_count: number;
  payment_status: PaymentStatus;
  payment_processed_at: string | null;
  reached_at: string | null;
  recorded_at: string;
  needs_review: boolean;
  review_flagged_at: string | null;
  review_resolved_at: string | null;
  trigger_assignment_id: string | null;
  notes: string | null;
  coordinator_notified: boolean;
  coordinator_notified_at: string | null;
  amount_paid: string | null;
  source: RecordSource;
}

// Timestamps come as ISO strings from the database (isoColumn): the Crossing holds strings, and
// parsing 6 dates per row into Date only to print them again was most of a large read's time.
const TIMESTAMP_COLUMNS = new Set([
  "payment_processed_at",
  "reached_at",
  "recorded_at",
  "review_flagged_at",
  "review_resolved_at",
  "coordinator_notified_at",
]);

const COLUMNS = [
  "id",
  "peer_mentor_id",
  "scope_id",
  "threshold_config_id",
  "tier_name",
  "tier_order",
  "threshold_level",
  "threshold_assignment_number",
  "honorarium_rate",
  "currency",
  "is_cumulative",
  "period_type",
  "period_key",
  "fiscal_year",
  "assignment_count",
  "payment_status",
  "payment_processed_at",
  "reached_at",
  "recorded_at",
  "needs_review",
  "review_flagged_at",
  "review_resolved_at",
  "trigger_assignment_id",
  "notes",
  "coordinator_notified",
  "coordinator_notified_at",
  "amount_paid",
  "source",
];

const columnsOf = (conn: Knex | Knex.Transaction) =>
  COLUMNS.map((column) => (TIMESTAMP_COLUMNS.has(column) ? isoColumn(conn, column) : column));

export function crossingFromRow(row: RecordRow, amountDue: string): Crossing {
  return {
    id: row.id,
    peerMentorId: row.peer_mentor_id,
    scopeId: row.scope_id,
    configId: row.threshold_config_id,
    tierName: row.tier_name,
    tierOrder: row.tier_order,
    thresholdLevel: row.threshold_level,
    thresholdCount: row.threshold_assignment_number ?? 0,
    honorariumRate: row.honorarium_rate ?? "0.00",
    amountDue,
    amountPaid: row.amount_paid,
    currency: row.currency.trim(),
    isCumulative: row.is_cumulative,
    periodType: row.period_type,
    periodKey: row.period_key,
    fiscalYear: row.fiscal_year,
    assignmentCount: row.assignment_count,
    paymentStatus: row.payment_status,
    paymentProcessedAt: iso(row.payment_processed_at),
    reachedAt: iso(row.reached_at),
    recordedAt: isoRequired(row.recorded_at),
    needsReview: row.needs_review,
    reviewFlaggedAt: iso(row.review_flagged_at),
    reviewResolvedAt: iso(row.review_resolved_at),
    triggerAssignmentId: row.trigger_assignment_id,
    notes: row.notes,
    coordinatorNotified: row.coordinator_notified,
    coordinatorNotifiedAt: iso(row.coordinator_notified_at),
    source: row.source,
  };
}

const entitledOf = (row: RecordRow) => ({
  id: row.id,
  organizationId: "",
  scopeId: row.scope_id,
  peerMentorId: row.peer_mentor_id,
  periodType: row.period_type,
  periodKey: row.period_key,
  thresholdCount: row.threshold_assignment_number ?? 0,
  tierOrder: row.tier_order ?? 0,
  amount: row.honorarium_rate ?? "0.00",
  isCumulative: row.is_cumulative,
  cancelled: row.payment_status === "cancelled",
});

export function createPostgresRecordsRepository(db: Knex): IRecordsRepository {
  const crossingsQuery = (organizationId: string, conn: Knex | Knex.Transaction = db) =>
    conn("honorarium_records").select(columnsOf(conn)).where({ organization_id: organizationId, threshold_crossed: true });

  /**
   * Every row with its amount due (shared/domain entitlement: one rule for every view). The amount
   * depends on the other records of the row's (scope, mentor, period): `complete` says the rows
   * already hold whole groups; otherwise the rest of each group is read too.
   */
  async function withAmountsDue(
    organizationId: string,
    rows: readonly RecordRow[],
    complete: boolean,
    conn: Knex | Knex.Transaction = db,
  ): Promise<Crossing[]> {
    if (rows.length === 0) return [];
    let group: readonly RecordRow[] = rows;
    if (!complete) {
      // Every record of the rows' mentors (one index range per mentor), kept where it shares a group with a row.
      const groupOf = (row: RecordRow) => `${row.scope_id}|${row.peer_mentor_id}|${row.period_type}|${row.period_key}`;
      const wanted = new Set(rows.map(groupOf));
      const mentors = [...new Set(rows.map((row) => row.peer_mentor_id))];
      const siblings: RecordRow[] = await crossingsQuery(organizationId, conn).whereRaw("peer_mentor_id = any(?::uuid[])", [mentors]);
      group = siblings.filter((row) => wanted.has(groupOf(row)));
    }
    const due = amountsDueByRecord(group.map(entitledOf));
    return rows.map((row) => crossingFromRow(row, due.get(row.id) ?? "0.00"));
  }

  return {
    async crossings(organizationId, visibility, filter) {
      const query = crossingsQuery(organizationId);
      if (filter.peerMentorId !== undefined) query.where("peer_mentor_id", filter.peerMentorId);
      if (filter.fiscalYear !== undefined) query.where("fiscal_year", filter.fiscalYear);
      if (filter.recordIds !== undefined) query.whereIn("id", [...filter.recordIds]);
      if (filter.period !== undefined) query.where({ period_type: filter.period.periodType, period_key: filter.period.periodKey });
      if (filter.paymentStatus !== undefined) query.where("payment_status", filter.paymentStatus);
      if (filter.needsReview === true) query.where("needs_review", true).whereNull("review_resolved_at");
      const rows: RecordRow[] = await whereVisible(query, visibility).orderByRaw("coalesce(reached_at, recorded_at), tier_order, id");
      // Filters by status or review flag cut groups apart; by mentor, year and scope they keep them whole.
      return withAmountsDue(
        organizationId,
        rows,
        filter.paymentStatus === undefined && filter.needsReview !== true && filter.recordIds === undefined,
      );
    },
    async crossingsOfMentors(organizationId, peerMentorIds) {
      if (peerMentorIds.length === 0) return [];
      const rows: RecordRow[] = await crossingsQuery(organizationId).whereIn("peer_mentor_id", [...peerMentorIds]);
      return withAmountsDue(organizationId, rows, true);
    },
    async crossingsOfMentorsWithOpenItems(organizationId, visibility, incomeYear, timeZone) {
      const mentors = whereVisible(
        db("honorarium_records")
          .distinct("peer_mentor_id")
          .where({ organization_id: organizationId, threshold_crossed: true })
          .andWhere((q) =>
            q
              .whereIn("payment_status", ["pending", "processing"])
              .orWhereRaw("payment_status = 'paid' and extract(year from payment_processed_at at time zone ?) = ?", [timeZone, incomeYear])
              .orWhere((flag) => flag.where("needs_review", true).whereNull("review_resolved_at")),
          ),
        visibility,
      );
      const rows: RecordRow[] = await crossingsQuery(organizationId).whereIn("peer_mentor_id", mentors);
      return withAmountsDue(organizationId, rows, true);
    },
    async findCrossing(organizationId, recordId) {
      const row: RecordRow | undefined = await crossingsQuery(organizationId).where("id", recordId).first();
      return row === undefined ? undefined : (await withAmountsDue(organizationId, [row], false))[0];
    },
    async transitionPayment({ organizationId, recordId, to, actorId, note, now, plan }) {
      return db.transaction(async (trx) => {
        const row: RecordRow | undefined = await trx("honorarium_records")
          .select(columnsOf(trx))
          .where({ organization_id: organizationId, id: recordId, threshold_crossed: true })
          .forUpdate()
          .first();
        if (row === undefined) throw notFound(`no honorarium record ${recordId} in this organization`);
        const { paymentProcessedAt } = plan(row.payment_status);
        const batched = await trx("payout_batch_records").where({ record_id: recordId }).whereNull("released_at").first("batch_id");
        if (batched !== undefined)
          throw new DomainError(
            "conflict",
            `record ${recordId} is in payout batch ${batched.batch_id}: mark the batch paid, or release it`,
            {
              rule: "record_in_payout_batch",
              details: { batchId: batched.batch_id },
            },
          );
        const changes: Record<string, unknown> = { payment_status: to, payment_processed_at: paymentProcessedAt };
        // Paid: the amount the one rule says it owes now is what was paid, fixed from here on.
        if (to === "paid") changes.amount_paid = (await withAmountsDue(organizationId, [row], false, trx))[0]?.amountDue ?? null;
        // Notes add up (newest last); every move with its note is in payment_status_history too.
        if (note !== undefined)
          changes.notes = trx.raw("right(case when notes is null then ? else notes || E'\\n' || ? end, 2000)", [note, note]);
        const [updated]: RecordRow[] = await trx("honorarium_records").update(changes).where({ id: recordId }).returning(columnsOf(trx));
        await trx("payment_status_history").insert({
          record_id: recordId,
          organization_id: organizationId,
          from_status: row.payment_status,
          to_status: to,
          actor_id: actorId,
          note: note ?? null,
          occurred_at: now,
        });
        if (updated === undefined) throw notFound(`no honorarium record ${recordId} in this organization`);
        return (await withAmountsDue(organizationId, [updated], false, trx))[0] as Crossing;
      });
    },
    async resolveReview({ organizationId, recordId, actorId, resolution, now }) {
      const [updated]: RecordRow[] = await db("honorarium_records")
        .update({ needs_review: false, review_resolved_at: now, review_resolved_by: actorId, review_resolution: resolution })
        .where({ organization_id: organizationId, id: recordId, needs_review: true })
        .whereNull("review_resolved_at")
        .returning(columnsOf(db));
      if (updated === undefined) throw notFound(`record ${recordId} is not flagged for review`);
      return (await withAmountsDue(organizationId, [updated], false))[0] as Crossing;
    },
  };
}

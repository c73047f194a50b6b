import type { Knex } from "knex";
import { amountsDueByRecord } from "@honorarium/shared/domain";
import { notFound } from "../../domain/errors.ts";
import type { PaymentStatus } from "../../domain/payment-lifecycle.ts";
import type { Crossing } from "../../domain/progress.ts";
import type { IRecordsRepository } from "../../ports.ts";
import { iso, isoRequired, whereVisible } from "./visibility.ts";

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
  payment_processed_at: Date | null;
  reached_at: Date | null;
  recorded_at: Date;
  needs_review: boolean;
  review_flagged_at: Date | null;
  review_resolved_at: Date | null;
  trigger_assignment_id: string | null;
  notes: string | null;
  coordinator_notified: boolean;
  coordinator_notified_at: Date | null;
}

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
];

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
    conn("honorarium_records").select(COLUMNS).where({ organization_id: organizationId, threshold_crossed: true });

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
      const keys = [
        ...new Map(rows.map((row) => [`${row.scope_id}|${row.peer_mentor_id}|${row.period_type}|${row.period_key}`, row])).values(),
      ].map((row) => ({
        scope_id: row.scope_id,
        peer_mentor_id: row.peer_mentor_id,
        period_type: row.period_type,
        period_key: row.period_key,
      }));
      group = await crossingsQuery(organizationId, conn).whereRaw(
        `exists (select 1 from json_to_recordset(?::json) as g(scope_id uuid, peer_mentor_id uuid, period_type text, period_key text)
           where g.scope_id is not distinct from honorarium_records.scope_id and g.peer_mentor_id = honorarium_records.peer_mentor_id
             and g.period_type = honorarium_records.period_type and g.period_key = honorarium_records.period_key)`,
        [JSON.stringify(keys)],
      );
    }
    const due = amountsDueByRecord(group.map(entitledOf));
    return rows.map((row) => crossingFromRow(row, due.get(row.id) ?? "0.00"));
  }

  return {
    async crossings(organizationId, visibility, filter) {
      const query = crossingsQuery(organizationId);
      if (filter.peerMentorId !== undefined) query.where("peer_mentor_id", filter.peerMentorId);
      if (filter.fiscalYear !== undefined) query.where("fiscal_year", filter.fiscalYear);
      if (filter.paymentStatus !== undefined) query.where("payment_status", filter.paymentStatus);
      if (filter.needsReview === true) query.where("needs_review", true).whereNull("review_resolved_at");
      const rows: RecordRow[] = await whereVisible(query, visibility).orderByRaw("coalesce(reached_at, recorded_at), tier_order, id");
      // Filters by status or review flag cut groups apart; by mentor, year and scope they keep them whole.
      return withAmountsDue(organizationId, rows, filter.paymentStatus === undefined && filter.needsReview !== true);
    },
    async crossingsOfMentors(organizationId, peerMentorIds, fiscalYear) {
      if (peerMentorIds.length === 0) return [];
      const rows: RecordRow[] = await crossingsQuery(organizationId)
        .where("fiscal_year", fiscalYear)
        .whereIn("peer_mentor_id", [...peerMentorIds]);
      return withAmountsDue(organizationId, rows, true);
    },
    async findCrossing(organizationId, recordId) {
      const row: RecordRow | undefined = await crossingsQuery(organizationId).where("id", recordId).first();
      return row === undefined ? undefined : (await withAmountsDue(organizationId, [row], false))[0];
    },
    async transitionPayment({ organizationId, recordId, to, actorId, note, now, plan }) {
      return db.transaction(async (trx) => {
        const row: RecordRow | undefined = await trx("honorarium_records")
          .select(COLUMNS)
          .where({ organization_id: organizationId, id: recordId, threshold_crossed: true })
          .forUpdate()
          .first();
        if (row === undefined) throw notFound(`no honorarium record ${recordId} in this organization`);
        const { paymentProcessedAt } = plan(row.payment_status);
        const changes: Record<string, unknown> = { payment_status: to, payment_processed_at: paymentProcessedAt };
        if (note !== undefined) changes.notes = note;
        const [updated]: RecordRow[] = await trx("honorarium_records").update(changes).where({ id: recordId }).returning(COLUMNS);
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
        .returning(COLUMNS);
      if (updated === undefined) throw notFound(`record ${recordId} is not flagged for review`);
      return (await withAmountsDue(organizationId, [updated], false))[0] as Crossing;
    },
  };
}

import type { Knex } from "knex";
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
];

export function crossingFromRow(row: RecordRow): Crossing {
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
  };
}

export function createPostgresRecordsRepository(db: Knex): IRecordsRepository {
  const crossingsQuery = (organizationId: string) =>
    db("honorarium_records").select(COLUMNS).where({ organization_id: organizationId, threshold_crossed: true });

  return {
    async crossings(organizationId, visibility, filter) {
      const query = crossingsQuery(organizationId);
      if (filter.peerMentorId !== undefined) query.where("peer_mentor_id", filter.peerMentorId);
      if (filter.fiscalYear !== undefined) query.where("fiscal_year", filter.fiscalYear);
      if (filter.paymentStatus !== undefined) query.where("payment_status", filter.paymentStatus);
      if (filter.needsReview === true) query.where("needs_review", true).whereNull("review_resolved_at");
      const rows: RecordRow[] = await whereVisible(query, visibility).orderByRaw("coalesce(reached_at, recorded_at), tier_order, id");
      return rows.map(crossingFromRow);
    },
    async crossingsOfMentors(organizationId, peerMentorIds, fiscalYear) {
      if (peerMentorIds.length === 0) return [];
      const rows: RecordRow[] = await crossingsQuery(organizationId)
        .where("fiscal_year", fiscalYear)
        .whereIn("peer_mentor_id", [...peerMentorIds]);
      return rows.map(crossingFromRow);
    },
    async findCrossing(organizationId, recordId) {
      const row: RecordRow | undefined = await crossingsQuery(organizationId).where("id", recordId).first();
      return row === undefined ? undefined : crossingFromRow(row);
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
        return crossingFromRow(updated);
      });
    },
    async resolveReview({ organizationId, recordId, actorId, resolution, now }) {
      const [updated]: RecordRow[] = await db("honorarium_records")
        .update({ needs_review: false, review_resolved_at: now, review_resolved_by: actorId, review_resolution: resolution })
        .where({ organization_id: organizationId, id: recordId, needs_review: true })
        .whereNull("review_resolved_at")
        .returning(COLUMNS);
      if (updated === undefined) throw notFound(`record ${recordId} is not flagged for review`);
      return crossingFromRow(updated);
    },
  };
}

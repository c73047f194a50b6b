import { sumAmounts } from "@honorarium/shared/domain";
import type { Knex } from "knex";
import { DomainError } from "../../domain/errors.ts";
import type { PayoutRecord } from "../../domain/payout.ts";
import type { IPayoutsRepository, PayoutBatch, PaymentHistoryEntry } from "../../ports.ts";
import { iso, isoRequired } from "./visibility.ts";

interface BatchRow {
  id: string;
  organization_id: string;
  status: PayoutBatch["status"];
  scope_ids: string[] | null;
  period_type: string | null;
  period_key: string | null;
  currency: string;
  total_amount: string;
  record_count: number;
  mentor_count: number;
  created_by: string;
  created_at: Date;
  paid_at: Date | null;
  paid_on: Date | string | null;
  payment_reference: string | null;
  paid_by: string | null;
  released_at: Date | null;
  released_by: string | null;
  release_reason: string | null;
}

const BATCH_COLUMNS = [
  "id",
  "organization_id",
  "status",
  "scope_ids",
  "period_type",
  "period_key",
  "currency",
  "total_amount",
  "record_count",
  "mentor_count",
  "created_by",
  "created_at",
  "paid_at",
  "paid_on",
  "payment_reference",
  "paid_by",
  "released_at",
  "released_by",
  "release_reason",
];

/** A DATE column: node-postgres makes it a Date at local midnight, so its local parts are the date. */
function calendarDateOf(value: Date | string | null): string | null {
  if (value === null || typeof value === "string") return value;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`;
}

function batchFromRow(row: BatchRow): PayoutBatch {
  return {
    id: row.id,
    organizationId: row.organization_id,
    status: row.status,
    scopeIds: row.scope_ids,
    periodType: row.period_type,
    periodKey: row.period_key,
    currency: row.currency.trim(),
    totalAmount: row.total_amount,
    recordCount: row.record_count,
    mentorCount: row.mentor_count,
    createdBy: row.created_by,
    createdAt: isoRequired(row.created_at),
    paidAt: iso(row.paid_at),
    paidOn: calendarDateOf(row.paid_on),
    paymentReference: row.payment_reference,
    paidBy: row.paid_by,
    releasedAt: iso(row.released_at),
    releasedBy: row.released_by,
    releaseReason: row.release_reason,
  };
}

export function createPostgresPayoutsRepository(db: Knex): IPayoutsRepository {
  async function lockedBatch(trx: Knex.Transaction, organizationId: string, batchId: string): Promise<BatchRow> {
    const row: BatchRow | undefined = await trx("payout_batches")
      .select(BATCH_COLUMNS)
      .where({ organization_id: organizationId, id: batchId })
      .forUpdate()
      .first();
    if (row === undefined) throw new DomainError("not_found", `no payout batch ${batchId} in this organization`);
    if (row.status !== "processing")
      throw new DomainError("conflict", `payout batch ${batchId} is ${row.status}; only a batch in payment can be changed`, {
        rule: "payout_batch_lifecycle",
        details: { status: row.status },
      });
    return row;
  }

  return {
    async payeeReferences(organizationId, peerMentorIds) {
      if (peerMentorIds.length === 0) return new Map();
      const rows: { peer_mentor_id: string; payee_reference: string }[] = await db("payee_references")
        .select("peer_mentor_id", "payee_reference")
        .where({ organization_id: organizationId })
        .whereIn("peer_mentor_id", [...new Set(peerMentorIds)]);
      return new Map(rows.map((row) => [row.peer_mentor_id, row.payee_reference]));
    },
    async openBatchRecordIds(organizationId, recordIds) {
      if (recordIds.length === 0) return new Set();
      const rows: { record_id: string }[] = await db("payout_batch_records")
        .select("record_id")
        .where({ organization_id: organizationId })
        .whereNull("released_at")
        .whereIn("record_id", [...recordIds]);
      return new Set(rows.map((row) => row.record_id));
    },

    async paidOrInPaymentInYear(organizationId, peerMentorIds, incomeYear, timeZone) {
      if (peerMentorIds.length === 0) return new Map();
      // Paid in the year (by the local date of payment), plus what open batches hold (paid when they are).
      const result: { rows: { peer_mentor_id: string; amount: string }[] } = await db.raw(
        `select peer_mentor_id, sum(amount)::text as amount from (
           select r.peer_mentor_id, coalesce(r.amount_paid, r.honorarium_rate) as amount
             from honorarium_records r
            where r.organization_id = ? and r.payment_status = 'paid' and r.peer_mentor_id = any(?::uuid[])
              and extract(year from r.payment_processed_at at time zone ?) = ?
           union all
           select l.peer_mentor_id, l.amount
             from payout_batch_records l join payout_batches b on b.id = l.batch_id
            where l.organization_id = ? and b.status = 'processing' and l.released_at is null and l.peer_mentor_id = any(?::uuid[])
         ) paid group by peer_mentor_id`,
        [organizationId, [...peerMentorIds], timeZone, incomeYear, organizationId, [...peerMentorIds]],
      );
      return new Map(result.rows.map((row) => [row.peer_mentor_id, row.amount]));
    },

    async create({ organizationId, actorId, records, selection, now }) {
      return db.transaction(async (trx) => {
        // SKIP LOCKED: two coordinators batching overlapping records at once split them; each record
        // lands in at most one open batch (the partial unique index is the backstop).
        const ids = records.map((record) => record.recordId);
        const locked: { id: string; payment_status: string }[] = await trx("honorarium_records")
          .select("id", "payment_status")
          .where({ organization_id: organizationId, threshold_crossed: true })
          .whereIn("id", ids)
          .whereIn("payment_status", ["pending", "processing"])
          .whereNotExists(
            trx("payout_batch_records").whereRaw("payout_batch_records.record_id = honorarium_records.id").whereNull("released_at"),
          )
          .forUpdate()
          .skipLocked();
        const lockedIds = new Map(locked.map((row) => [row.id, row.payment_status]));
        const taken = records.filter((record) => lockedIds.has(record.recordId));
        const skipped = ids.filter((id) => !lockedIds.has(id));
        if (taken.length === 0) return { batch: undefined, records: [], skipped };
        const [row]: BatchRow[] = await trx("payout_batches")
          .insert({
            organization_id: organizationId,
            status: "processing",
            scope_ids: selection.scopeIds ?? null,
            period_type: selection.periodType ?? null,
            period_key: selection.periodKey ?? null,
            currency: taken[0]?.currency ?? "NOK",
            total_amount: sumAmounts(taken.map((record) => record.amount)),
            record_count: taken.length,
            mentor_count: new Set(taken.map((record) => record.peerMentorId)).size,
            created_by: actorId,
            created_at: now,
          })
          .returning(BATCH_COLUMNS);
        if (row === undefined) throw new Error("payout batch insert returned nothing");
        await trx("payout_batch_records").insert(
          taken.map((record) => ({
            batch_id: row.id,
            record_id: record.recordId,
            organization_id: organizationId,
            scope_id: record.scopeId,
            peer_mentor_id: record.peerMentorId,
            amount: record.amount,
          })),
        );
        await trx("honorarium_records")
          .update({ payment_status: "processing" })
          .whereIn(
            "id",
            taken.map((record) => record.recordId),
          );
        await trx("payment_status_history").insert(
          taken.map((record) => ({
            record_id: record.recordId,
            organization_id: organizationId,
            from_status: lockedIds.get(record.recordId),
            to_status: "processing",
            actor_id: actorId,
            note: `payout batch ${row.id}`,
            batch_id: row.id,
            occurred_at: now,
          })),
        );
        return { batch: batchFromRow(row), records: taken, skipped };
      });
    },

    async markPaid({ organizationId, batchId, actorId, paymentReference, paidOn, now }) {
      return db.transaction(async (trx) => {
        await lockedBatch(trx, organizationId, batchId);
        const lines: { record_id: string; amount: string }[] = await trx("payout_batch_records")
          .select("record_id", "amount")
          .where({ batch_id: batchId })
          .whereNull("released_at");
        // The payment date is the day the money went out; tax follows its year.
        const processedAt = trx.raw(
          "(?::date + time '12:00') at time zone coalesce((select time_zone from organization_settings where organization_id = ?), 'Europe/Oslo')",
          [paidOn, organizationId],
        );
        for (const line of lines) {
          await trx("honorarium_records")
            .update({ payment_status: "paid", payment_processed_at: processedAt, amount_paid: line.amount })
            .where({ id: line.record_id, payment_status: "processing" });
        }
        await trx("payment_status_history").insert(
          lines.map((line) => ({
            record_id: line.record_id,
            organization_id: organizationId,
            from_status: "processing",
            to_status: "paid",
            actor_id: actorId,
            note: `payout batch ${batchId} paid on ${paidOn}`,
            batch_id: batchId,
            payment_reference: paymentReference,
            occurred_at: now,
          })),
        );
        const [row]: BatchRow[] = await trx("payout_batches")
          .update({ status: "paid", paid_at: now, paid_on: paidOn, payment_reference: paymentReference, paid_by: actorId })
          .where({ id: batchId })
          .returning(BATCH_COLUMNS);
        if (row === undefined) throw new DomainError("not_found", `no payout batch ${batchId} in this organization`);
        return batchFromRow(row);
      });
    },

    async release({ organizationId, batchId, actorId, reason, now }) {
      return db.transaction(async (trx) => {
        await lockedBatch(trx, organizationId, batchId);
        const lines: { record_id: string }[] = await trx("payout_batch_records")
          .update({ released_at: now })
          .where({ batch_id: batchId })
          .whereNull("released_at")
          .returning(["record_id"]);
        // The records stay in payment (processing never moves back to pending); they may be batched again.
        await trx("payment_status_history").insert(
          lines.map((line) => ({
            record_id: line.record_id,
            organization_id: organizationId,
            from_status: "processing",
            to_status: "processing",
            actor_id: actorId,
            note: `released from payout batch ${batchId}: ${reason}`,
            batch_id: batchId,
            occurred_at: now,
          })),
        );
        const [row]: BatchRow[] = await trx("payout_batches")
          .update({ status: "released", released_at: now, released_by: actorId, release_reason: reason })
          .where({ id: batchId })
          .returning(BATCH_COLUMNS);
        if (row === undefined) throw new DomainError("not_found", `no payout batch ${batchId} in this organization`);
        return batchFromRow(row);
      });
    },

    async find(organizationId, batchId) {
      const row: BatchRow | undefined = await db("payout_batches")
        .select(BATCH_COLUMNS)
        .where({ organization_id: organizationId, id: batchId })
        .first();
      if (row === undefined) return undefined;
      const lines: {
        record_id: string;
        peer_mentor_id: string;
        scope_id: string | null;
        amount: string;
        period_type: string;
        period_key: string;
        tier_name: string | null;
        currency: string;
      }[] = await db("payout_batch_records as l")
        .join("honorarium_records as r", "r.id", "l.record_id")
        .select("l.record_id", "l.peer_mentor_id", "l.scope_id", "l.amount", "r.period_type", "r.period_key", "r.tier_name", "r.currency")
        .where({ "l.batch_id": batchId })
        .orderBy(["l.peer_mentor_id", "r.period_key", "r.threshold_assignment_number"]);
      const records: PayoutRecord[] = lines.map((line) => ({
        recordId: line.record_id,
        peerMentorId: line.peer_mentor_id,
        scopeId: line.scope_id,
        periodType: line.period_type,
        periodKey: line.period_key,
        tierName: line.tier_name,
        amount: line.amount,
        currency: line.currency.trim(),
      }));
      return { batch: batchFromRow(row), records };
    },

    async list(organizationId, { limit, offset }) {
      const [rows, total]: [BatchRow[], { n: number } | undefined] = await Promise.all([
        db("payout_batches")
          .select(BATCH_COLUMNS)
          .where({ organization_id: organizationId })
          .orderBy("created_at", "desc")
          .limit(limit)
          .offset(offset),
        db("payout_batches").count<{ n: number }[]>({ n: "*" }).where({ organization_id: organizationId }).first(),
      ]);
      return { items: rows.map(batchFromRow), total: Number(total?.n ?? 0) };
    },

    async history(organizationId, filter, { limit, offset }) {
      const query = db("payment_status_history").where({ organization_id: organizationId });
      if (filter.recordId !== undefined) query.where("record_id", filter.recordId);
      if (filter.batchId !== undefined) query.where("batch_id", filter.batchId);
      const rows: {
        id: number;
        record_id: string;
        from_status: string;
        to_status: string;
        actor_id: string;
        note: string | null;
        batch_id: string | null;
        payment_reference: string | null;
        occurred_at: Date;
      }[] = await query
        .clone()
        .orderBy([
          { column: "occurred_at", order: "desc" },
          { column: "id", order: "desc" },
        ])
        .limit(limit)
        .offset(offset);
      const total = await query.clone().count<{ n: number }[]>({ n: "*" }).first();
      const items: PaymentHistoryEntry[] = rows.map((row) => ({
        id: row.id,
        recordId: row.record_id,
        from: row.from_status,
        to: row.to_status,
        actorId: row.actor_id,
        note: row.note,
        batchId: row.batch_id,
        paymentReference: row.payment_reference,
        occurredAt: isoRequired(row.occurred_at),
      }));
      return { items, total: Number(total?.n ?? 0) };
    },
  };
}

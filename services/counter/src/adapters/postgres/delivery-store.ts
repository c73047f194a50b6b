import type { Knex } from "@honorarium/shared/db";
import type { DeliveryState } from "../../domain/delivery-lifecycle.ts";
import { type DeliveryWrite, type StoredDelivery, deliveryKey, periodCountKey } from "../../domain/delivery-plan.ts";

/**
 * Set-based reads and writes of assignment_deliveries (spec 004); one statement each, whatever the
 * batch size. Callers hold the per-mentor advisory locks (lockMentors) for the whole
 * transaction, so the period counts they read stay exact until they commit.
 */

interface DeliveryRow {
  assignment_id: string;
  peer_mentor_id: string;
  organization_id: string;
  delivery_status: DeliveryState;
  delivered_at: Date | null;
  opened_at: Date | null;
  read_confirmed_at: Date | null;
  accounting_period: string;
  delivery_sequence_number: number;
  expires_at: Date | null;
}

export async function loadDeliveries(
  trx: Knex.Transaction,
  keys: readonly { assignmentId: string; peerMentorId: string }[],
): Promise<Map<string, StoredDelivery>> {
  const records = new Map<string, StoredDelivery>();
  if (keys.length === 0) return records;
  const result: { rows: DeliveryRow[] } = await trx.raw(
    `select d.assignment_id, d.peer_mentor_id, d.organization_id, d.delivery_status, d.delivered_at, d.opened_at,
            d.read_confirmed_at, d.accounting_period, d.delivery_sequence_number, d.expires_at
     from assignment_deliveries d
     join (select distinct a, m from unnest(?::uuid[], ?::uuid[]) as k(a, m)) k on d.assignment_id = k.a and d.peer_mentor_id = k.m`,
    [keys.map((k) => k.assignmentId), keys.map((k) => k.peerMentorId)],
  );
  for (const row of result.rows) {
    records.set(deliveryKey(row.assignment_id, row.peer_mentor_id), {
      assignmentId: row.assignment_id,
      peerMentorId: row.peer_mentor_id,
      organizationId: row.organization_id,
      status: row.delivery_status,
      deliveredAt: row.delivered_at,
      openedAt: row.opened_at,
      readConfirmedAt: row.read_confirmed_at,
      accountingPeriod: row.accounting_period,
      sequenceNumber: row.delivery_sequence_number,
      expiresAt: row.expires_at,
    });
  }
  return records;
}

/** Records per (organization, mentor, accounting period), for the sequence numbers of new records. */
export async function loadPeriodCounts(
  trx: Knex.Transaction,
  triples: readonly { organizationId: string; peerMentorId: string; period: string }[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (triples.length === 0) return counts;
  const result: { rows: { organization_id: string; peer_mentor_id: string; accounting_period: string; n: number }[] } = await trx.raw(
    `select d.organization_id, d.peer_mentor_id, d.accounting_period, count(*)::int as n
     from assignment_deliveries d
     join (select distinct o, m, p from unnest(?::uuid[], ?::uuid[], ?::text[]) as k(o, m, p)) k
       on d.peer_mentor_id = k.m and d.accounting_period = k.p and d.organization_id = k.o
     group by d.organization_id, d.peer_mentor_id, d.accounting_period`,
    [triples.map((t) => t.organizationId), triples.map((t) => t.peerMentorId), triples.map((t) => t.period)],
  );
  for (const row of result.rows) counts.set(periodCountKey(row.organization_id, row.peer_mentor_id, row.accounting_period), row.n);
  return counts;
}

/** The organizations the ledger knows each coordinator in (assignment.confirmed.v1 names the coordinator). */
export async function loadCoordinatorOrganizations(
  trx: Knex.Transaction,
  coordinatorIds: readonly string[],
): Promise<Map<string, Set<string>>> {
  const known = new Map<string, Set<string>>();
  if (coordinatorIds.length === 0) return known;
  const result: { rows: { coordinator_id: string; organization_id: string }[] } = await trx.raw(
    `select distinct coordinator_id, organization_id from assignment_ledger where coordinator_id = any(?::uuid[])`,
    [[...new Set(coordinatorIds)]],
  );
  for (const row of result.rows) {
    const organizations = known.get(row.coordinator_id) ?? new Set<string>();
    organizations.add(row.organization_id);
    known.set(row.coordinator_id, organizations);
  }
  return known;
}

/**
 * One upsert for the batch: new records are inserted whole; existing ones move on (status, the
 * lifecycle timestamps, expires_at). Read-confirmed and expired records are never in the plan, and
 * the database's trigger refuses any change to a read-confirmed one anyway.
 */
export async function writeDeliveries(trx: Knex.Transaction, writes: readonly DeliveryWrite[]): Promise<void> {
  if (writes.length === 0) return;
  // Rows in key order: row locks are always taken in one order (the notifier updates these rows too).
  const ordered = [...writes].sort((a, b) =>
    a.assignmentId === b.assignmentId ? a.peerMentorId.localeCompare(b.peerMentorId) : a.assignmentId.localeCompare(b.assignmentId),
  );
  await trx("assignment_deliveries")
    .insert(
      ordered.map((w) => ({
        assignment_id: w.assignmentId,
        peer_mentor_id: w.peerMentorId,
        organization_id: w.organizationId,
        delivery_status: w.status,
        delivered_at: w.deliveredAt,
        opened_at: w.openedAt,
        read_confirmed_at: w.readConfirmedAt,
        accounting_period: w.accountingPeriod,
        delivery_sequence_number: w.sequenceNumber,
        honorarium_tier: w.honorariumTier,
        read_receipt_required: w.readReceiptRequired,
        delivery_method: w.deliveryMethod,
        coordinator_id: w.coordinatorId,
        expires_at: w.expiresAt,
      })),
    )
    .onConflict(["assignment_id", "peer_mentor_id"])
    .merge(["delivery_status", "delivered_at", "opened_at", "read_confirmed_at", "expires_at"]);
}

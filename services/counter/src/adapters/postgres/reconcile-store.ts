import type { Knex } from "@honorarium/shared/db";
import { lockMentors } from "./counting-store.ts";

export interface CountDrift {
  organizationId: string;
  scopeId: string | null;
  peerMentorId: string;
  monthKey: string;
  /** Counted assignments in the ledger. */
  expected: number;
  /** mentor_month_counts.confirmed_count (0 when the row is missing). */
  actual: number;
}

const NO_SCOPE = "00000000-0000-0000-0000-000000000000";

/** Organizations with ledger rows or counters, optionally only one. */
export async function listCountedOrganizations(db: Knex, only?: string): Promise<string[]> {
  const result: { rows: { organization_id: string }[] } = await db.raw(
    `select organization_id from assignment_ledger where (?::uuid is null or organization_id = ?::uuid)
     union select organization_id from mentor_month_counts where (?::uuid is null or organization_id = ?::uuid)
     order by 1`,
    [only ?? null, only ?? null, only ?? null, only ?? null],
  );
  return result.rows.map((row) => row.organization_id);
}

/** Every (scope, mentor, month) of one organization whose counter differs from the ledger. */
export async function findCountDrift(db: Knex | Knex.Transaction, organizationId: string): Promise<CountDrift[]> {
  const result: {
    rows: { scope_id: string | null; peer_mentor_id: string; month_key: string; expected: number; actual: number }[];
  } = await db.raw(
    `with expected as (
       select scope_id, peer_mentor_id, month_key, count(*)::int as expected
       from assignment_ledger where organization_id = ? and state = 'counted'
       group by scope_id, peer_mentor_id, month_key
     ), actual as (
       select scope_id, peer_mentor_id, month_key, confirmed_count as actual
       from mentor_month_counts where organization_id = ?
     )
     select coalesce(e.scope_id, a.scope_id) as scope_id, coalesce(e.peer_mentor_id, a.peer_mentor_id) as peer_mentor_id,
            coalesce(e.month_key, a.month_key) as month_key, coalesce(e.expected, 0) as expected, coalesce(a.actual, 0) as actual
     from expected e
     full join actual a
       on coalesce(e.scope_id, ?::uuid) = coalesce(a.scope_id, ?::uuid) and e.peer_mentor_id = a.peer_mentor_id and e.month_key = a.month_key
     where coalesce(e.expected, 0) <> coalesce(a.actual, 0)
     order by 2, 3`,
    [organizationId, organizationId, NO_SCOPE, NO_SCOPE],
  );
  return result.rows.map((row) => ({
    organizationId,
    scopeId: row.scope_id,
    peerMentorId: row.peer_mentor_id,
    monthKey: row.month_key,
    expected: row.expected,
    actual: row.actual,
  }));
}

/**
 * Sets one organization's counters to what the ledger says. It takes the counter's own
 * per-(organization, mentor) advisory locks for the drifted mentors, so a batch running at the
 * same time either commits before the repair reads or waits until it has committed.
 */
export async function repairCountDrift(db: Knex, organizationId: string): Promise<CountDrift[]> {
  const seen = await findCountDrift(db, organizationId);
  if (seen.length === 0) return seen;
  return db.transaction(async (trx) => {
    const mentors = [...new Set(seen.map((d) => d.peerMentorId))].map((peerMentorId) => ({ organizationId, peerMentorId }));
    await lockMentors(trx, mentors);
    const mentorIds = new Set(mentors.map((m) => m.peerMentorId));
    const drift = (await findCountDrift(trx, organizationId)).filter((d) => mentorIds.has(d.peerMentorId));
    if (drift.length === 0) return drift;
    const rows = drift.map((d) => ({
      organization_id: d.organizationId,
      scope_id: d.scopeId,
      peer_mentor_id: d.peerMentorId,
      month_key: d.monthKey,
      confirmed_count: d.expected,
    }));
    await trx.raw(
      `insert into mentor_month_counts (organization_id, scope_id, peer_mentor_id, month_key, confirmed_count)
       select organization_id, scope_id, peer_mentor_id, month_key, confirmed_count
       from json_populate_recordset(null::mentor_month_counts, ?::json)
       on conflict on constraint uq_mentor_month_counts do update set confirmed_count = excluded.confirmed_count, updated_at = now()`,
      [JSON.stringify(rows)],
    );
    return drift;
  });
}

import { type Knex, plainArrayLiteral } from "@honorarium/shared/db";
import type { PeriodType } from "@honorarium/shared/domain";
import type { CountingPlan, LedgerEntry, LedgerState, PlannedCrossing } from "../../domain/counting-plan.ts";
import { countKey, ledgerKey, openingBalanceKey } from "../../domain/counting-plan.ts";

/**
 * Set-based reads and writes of the counter's tables; one statement each, whatever the batch size.
 * Callers hold the per-mentor locks (lockMentors) for the whole transaction.
 */

/**
 * Transaction-scoped advisory locks per mentor, taken in one statement in a fixed order, so
 * concurrent batches (confirmations and cancellations arrive on different topics; two members
 * overlap during a rebalance) never interleave on one mentor or deadlock. Keyed by the mentor
 * alone, not (organization, mentor): the ledger's key is (assignment, mentor), and two events for
 * one assignment that name different organizations must still be serialised to be caught.
 * The row-share table lock makes a reconcile repair (exclusive lock) wait for running batches.
 */
export async function lockMentors(trx: Knex.Transaction, mentors: readonly { peerMentorId: string }[]): Promise<void> {
  await trx.raw("lock table mentor_month_counts in row share mode");
  if (mentors.length === 0) return;
  await trx.raw(
    `select pg_advisory_xact_lock(h) from (
       select distinct hashtextextended(m, 0) as h from unnest(?::text[]) as u(m)
     ) locks order by h`,
    [plainArrayLiteral(new Set(mentors.map((m) => m.peerMentorId)))],
  );
}

interface LedgerRow {
  assignment_id: string;
  peer_mentor_id: string;
  organization_id: string;
  scope_id: string | null;
  coordinator_id: string | null;
  state: LedgerState;
  confirmed_at: Date | null;
  month_key: string | null;
  activity_date: string | null;
  cancelled_at: Date | null;
  confirm_event_id: string | null;
  cancel_event_id: string | null;
  cancel_reason: string | null;
}

export async function loadLedger(
  trx: Knex.Transaction,
  keys: readonly { assignmentId: string; peerMentorId: string }[],
): Promise<Map<string, LedgerEntry>> {
  const ledger = new Map<string, LedgerEntry>();
  if (keys.length === 0) return ledger;
  const result: { rows: LedgerRow[] } = await trx.raw(
    `select l.assignment_id, l.peer_mentor_id, l.organization_id, l.scope_id, l.coordinator_id, l.state, l.confirmed_at,
            l.month_key, l.activity_date::text as activity_date, l.cancelled_at, l.confirm_event_id, l.cancel_event_id, l.cancel_reason
     from assignment_ledger l
     join (select distinct a, m from unnest(?::uuid[], ?::uuid[]) as k(a, m)) k on l.assignment_id = k.a and l.peer_mentor_id = k.m`,
    [plainArrayLiteral(keys.map((k) => k.assignmentId)), plainArrayLiteral(keys.map((k) => k.peerMentorId))],
  );
  for (const row of result.rows) {
    ledger.set(ledgerKey(row.assignment_id, row.peer_mentor_id), {
      assignmentId: row.assignment_id,
      peerMentorId: row.peer_mentor_id,
      organizationId: row.organization_id,
      scopeId: row.scope_id,
      coordinatorId: row.coordinator_id,
      state: row.state,
      confirmedAt: row.confirmed_at?.toISOString() ?? null,
      monthKey: row.month_key,
      activityDate: row.activity_date,
      cancelledAt: row.cancelled_at?.toISOString() ?? null,
      confirmEventId: row.confirm_event_id,
      cancelEventId: row.cancel_event_id,
      cancelReason: row.cancel_reason,
    });
  }
  return ledger;
}

/** Every month count (any scope) of the given (organization, mentor, year) triples. */
export async function loadMonthCounts(
  trx: Knex.Transaction,
  years: readonly { organizationId: string; peerMentorId: string; year: string }[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (years.length === 0) return counts;
  const result: {
    rows: { organization_id: string; scope_id: string | null; peer_mentor_id: string; month_key: string; confirmed_count: number }[];
  } = await trx.raw(
    `select c.organization_id, c.scope_id, c.peer_mentor_id, c.month_key, c.confirmed_count
     from mentor_month_counts c
     join (select distinct o, m, y from unnest(?::uuid[], ?::uuid[], ?::text[]) as k(o, m, y)) k
       on c.peer_mentor_id = k.m and c.organization_id = k.o and left(c.month_key, 4) = k.y`,
    [
      plainArrayLiteral(years.map((y) => y.organizationId)),
      plainArrayLiteral(years.map((y) => y.peerMentorId)),
      plainArrayLiteral(years.map((y) => y.year)),
    ],
  );
  for (const row of result.rows) {
    counts.set(countKey(row.organization_id, row.scope_id, row.peer_mentor_id, row.month_key), row.confirmed_count);
  }
  return counts;
}

/**
 * The opening balances of the batch's mentors (any scope, any period): read under the mentors' locks,
 * which the import takes too, so a batch sees a balance either wholly or not at all. Mostly empty
 * after go-live; the index on (peer_mentor_id, organization_id) keeps it one cheap probe.
 */
export async function loadOpeningBalances(
  trx: Knex.Transaction,
  mentors: readonly { organizationId: string; peerMentorId: string }[],
): Promise<Map<string, number>> {
  const balances = new Map<string, number>();
  if (mentors.length === 0) return balances;
  const distinct = [...new Map(mentors.map((m) => [`${m.organizationId}/${m.peerMentorId}`, m])).values()];
  const result: {
    rows: {
      organization_id: string;
      scope_id: string | null;
      peer_mentor_id: string;
      period_type: PeriodType;
      period_key: string;
      assignment_count: number;
    }[];
  } = await trx.raw(
    `select b.organization_id, b.scope_id, b.peer_mentor_id, b.period_type, b.period_key, b.assignment_count
     from opening_balances b
     join (select distinct o, m from unnest(?::uuid[], ?::uuid[]) as k(o, m)) k on b.peer_mentor_id = k.m and b.organization_id = k.o
     where b.assignment_count > 0`,
    [plainArrayLiteral(distinct.map((m) => m.organizationId)), plainArrayLiteral(distinct.map((m) => m.peerMentorId))],
  );
  for (const row of result.rows) {
    balances.set(
      openingBalanceKey(row.organization_id, row.scope_id, row.peer_mentor_id, row.period_type, row.period_key),
      row.assignment_count,
    );
  }
  return balances;
}

/** An outbox row for a crossing record; written only if the record was actually inserted. */
export interface CrossingOutboxRow {
  recordId: string;
  topic: string;
  key: string;
  payload: string;
  headers: Record<string, string>;
  eventId: string;
}

function recordRows(plan: CountingPlan) {
  return plan.crossings.map((c) => ({
    id: c.recordId,
    peer_mentor_id: c.peerMentorId,
    organization_id: c.organizationId,
    scope_id: c.scopeId,
    coordinator_id: c.coordinatorId,
    threshold_config_id: c.tier.configId,
    tier_name: c.tier.name,
    tier_order: c.tier.tierOrder,
    period_type: c.periodType,
    period_key: c.periodKey,
    assignment_count: c.assignmentCount,
    threshold_level: c.tier.thresholdLevel,
    threshold_assignment_number: c.tier.thresholdCount,
    honorarium_rate: c.tier.honorariumAmount,
    currency: c.tier.currency,
    is_cumulative: c.tier.isCumulative,
    fiscal_year: c.fiscalYear,
    trigger_assignment_id: c.triggerAssignmentId,
    reached_at: c.reachedAt,
  }));
}

function reviewRows(plan: CountingPlan) {
  return plan.reviewChecks.map((r) => ({
    organization_id: r.organizationId,
    scope_id: r.scopeId,
    peer_mentor_id: r.peerMentorId,
    period_type: r.periodType,
    period_key: r.periodKey,
    lowest_count: r.lowestCount,
  }));
}

// Ledger rows from the plan's own objects as JSON (camelCase columns): no row objects built per event.
const LEDGER_ROWS_INSERT = `insert into assignment_ledger (assignment_id, peer_mentor_id, organization_id, scope_id, coordinator_id, state,
    confirmed_at, month_key, activity_date, cancelled_at, confirm_event_id, cancel_event_id, cancel_reason)
  select "assignmentId", "peerMentorId", "organizationId", "scopeId", "coordinatorId", state,
    "confirmedAt", "monthKey", "activityDate", "cancelledAt", "confirmEventId", "cancelEventId", "cancelReason"
  from json_to_recordset(?::json) as e("assignmentId" uuid, "peerMentorId" uuid, "organizationId" uuid, "scopeId" uuid,
    "coordinatorId" uuid, state text, "confirmedAt" timestamptz, "monthKey" text, "activityDate" date, "cancelledAt" timestamptz,
    "confirmEventId" uuid, "cancelEventId" uuid, "cancelReason" text)`;

const LEDGER_UPSERT = `${LEDGER_ROWS_INSERT}
  on conflict (assignment_id, peer_mentor_id) do update set
    organization_id = excluded.organization_id, scope_id = excluded.scope_id, coordinator_id = excluded.coordinator_id,
    state = excluded.state, confirmed_at = excluded.confirmed_at, month_key = excluded.month_key,
    activity_date = excluded.activity_date, cancelled_at = excluded.cancelled_at, confirm_event_id = excluded.confirm_event_id,
    cancel_event_id = excluded.cancel_event_id, cancel_reason = excluded.cancel_reason
  returning 1`;

// New rows only: a pair that exists is left as it is and reported (the caller re-plans with it).
const LEDGER_INSERT = `${LEDGER_ROWS_INSERT}
  on conflict (assignment_id, peer_mentor_id) do nothing
  returning assignment_id, peer_mentor_id`;

/**
 * Inserts ledger rows for pairs the batch believes new; returns the pairs that already had a row
 * (nothing is written for those). One statement: the primary key's uniqueness check is the read.
 */
export async function insertNewLedgerEntries(
  trx: Knex.Transaction,
  entries: readonly LedgerEntry[],
): Promise<{ assignmentId: string; peerMentorId: string }[]> {
  if (entries.length === 0) return [];
  const result: { rows: { assignment_id: string; peer_mentor_id: string }[] } = await trx.raw(LEDGER_INSERT, [JSON.stringify(entries)]);
  const inserted = new Set(result.rows.map((row) => ledgerKey(row.assignment_id, row.peer_mentor_id)));
  return entries
    .filter((entry) => !inserted.has(ledgerKey(entry.assignmentId, entry.peerMentorId)))
    .map((entry) => ({ assignmentId: entry.assignmentId, peerMentorId: entry.peerMentorId }));
}

// Absolute values: the plan computed them from counts read under the mentors' locks.
const COUNTS_UPSERT = `insert into mentor_month_counts (organization_id, scope_id, peer_mentor_id, month_key, confirmed_count)
  select "organizationId", "scopeId", "peerMentorId", "monthKey", count
  from json_to_recordset(?::json) as c("organizationId" uuid, "scopeId" uuid, "peerMentorId" uuid, "monthKey" text, count integer)
  on conflict on constraint uq_mentor_month_counts do update set confirmed_count = excluded.confirmed_count, updated_at = now()
  returning 1`;

// One record per organization, scope, mentor, period and tier: a re-crossing after a
// cancellation (or a replay) conflicts and inserts nothing.
const RECORDS_INSERT = `insert into honorarium_records (id, peer_mentor_id, organization_id, scope_id, coordinator_id, threshold_config_id,
    tier_name, tier_order, period_type, period_key, assignment_count, threshold_crossed, threshold_level, threshold_assignment_number,
    honorarium_rate, currency, is_cumulative, fiscal_year, payment_status, trigger_assignment_id, reached_at)
  select id, peer_mentor_id, organization_id, scope_id, coordinator_id, threshold_config_id,
    tier_name, tier_order, period_type, period_key, assignment_count, true, threshold_level, threshold_assignment_number,
    honorarium_rate, currency, is_cumulative, fiscal_year, 'pending', trigger_assignment_id, reached_at
  from json_populate_recordset(null::honorarium_records, ?::json)
  on conflict (organization_id, scope_id, peer_mentor_id, period_type, period_key, tier_order) where threshold_crossed do nothing
  returning id`;

// The threshold-crossed events of the records actually inserted (a statement-level NOTIFY wakes the relay).
const EVENTS_INSERT = `insert into outbox (kind, topic, message_key, payload, headers, event_id)
  select 'event', e.topic, e.message_key, convert_to(e.payload, 'UTF8'), e.headers, e.event_id
  from json_to_recordset(?::json) as e(record_id uuid, topic text, message_key text, payload text, headers jsonb, event_id uuid)
  join records on records.id = e.record_id
  returning 1`;

// A cancellation took the period count below a crossed threshold: flag the record, keep it. A record
// whose earlier review was resolved is open again: its resolution no longer answers this flag.
const REVIEWS_UPDATE = `update honorarium_records r set needs_review = true, review_flagged_at = now(),
    review_resolved_at = null, review_resolved_by = null, review_resolution = null
  from json_to_recordset(?::json) as c(organization_id uuid, scope_id uuid, peer_mentor_id uuid, period_type text,
    period_key text, lowest_count integer)
  where r.threshold_crossed and not r.needs_review
    and r.peer_mentor_id = c.peer_mentor_id and r.organization_id = c.organization_id
    and r.scope_id is not distinct from c.scope_id and r.period_type = c.period_type and r.period_key = c.period_key
    and r.threshold_assignment_number > c.lowest_count
  returning 1`;

/**
 * Writes the rest of the plan in one round trip (data-modifying CTEs): updated ledger rows (the new
 * ones are in already: insertNewLedgerEntries), counters, crossing records, their outbox events and
 * review flags. Returns the crossings actually inserted.
 */
export async function writeCountingPlan(
  trx: Knex.Transaction,
  plan: CountingPlan,
  crossingEvents: (crossings: readonly PlannedCrossing[]) => CrossingOutboxRow[],
): Promise<PlannedCrossing[]> {
  const parts: string[] = [];
  const bindings: string[] = [];
  const add = (name: string, sql: string, rows: readonly unknown[]) => {
    if (rows.length === 0) return;
    parts.push(`${name} as (${sql})`);
    bindings.push(JSON.stringify(rows));
  };
  add("ledger", LEDGER_UPSERT, plan.ledgerUpdates);
  add("counts", COUNTS_UPSERT, plan.countWrites);
  add("records", RECORDS_INSERT, recordRows(plan));
  if (plan.crossings.length > 0) {
    const events = crossingEvents(plan.crossings).map((e) => ({
      record_id: e.recordId,
      topic: e.topic,
      message_key: e.key,
      payload: e.payload,
      headers: e.headers,
      event_id: e.eventId,
    }));
    add("events", EVENTS_INSERT, events);
  }
  // Every CTE sees the same snapshot: review flags for records inserted by this very statement
  // would be missed, so a (mixed) plan with both runs the review update afterwards.
  const reviewsLater = plan.crossings.length > 0 && plan.reviewChecks.length > 0;
  if (!reviewsLater) add("reviews", REVIEWS_UPDATE, reviewRows(plan));
  let inserted: PlannedCrossing[] = [];
  if (parts.length > 0) {
    const select = plan.crossings.length > 0 ? "select id from records" : "select null::uuid as id where false";
    const result: { rows: { id: string }[] } = await trx.raw(`with ${parts.join(",\n")}\n${select}`, bindings);
    const insertedIds = new Set(result.rows.map((row) => row.id));
    inserted = plan.crossings.filter((c) => insertedIds.has(c.recordId));
  }
  if (reviewsLater) await trx.raw(`with reviews as (${REVIEWS_UPDATE}) select count(*) from reviews`, [JSON.stringify(reviewRows(plan))]);
  return inserted;
}

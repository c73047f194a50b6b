import type { Knex } from "knex";

// Go-live opening balances (issue 12, item 6).
// - opening_balances: per (organization, scope, mentor, period type + key) the count an organisation
//   had before the system started. The counter adds it to the period's counted months when it judges
//   crossings; the query API adds it to the counts it serves. It is kept apart from
//   mentor_month_counts on purpose: a period balance belongs to no month (a year's 13 cannot be put
//   into January without changing January's own month and quarter counts), and the month counts stay
//   exactly what the ledger says (reconcile and replay rebuild them from the ledger alone).
// - honorarium_records.source: 'opening_balance' marks a record the import wrote for a tier reached
//   before go-live (paid outside the system, or still owed). Such a record holds the tier's place in
//   the unique crossing index, so the counter can never record or announce that tier again, and the
//   one entitlement rule sees it (the higher rate then owes only the top-up).
// - opening_balance_audit_log: who imported which line when, before and after.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table opening_balances (
      organization_id uuid not null,
      scope_id uuid,
      peer_mentor_id uuid not null,
      period_type text not null constraint opening_balance_period_type_enum check (period_type in ('calendar_year', 'half_year', 'quarter', 'month')),
      period_key text not null constraint opening_balance_period_key_length check (char_length(period_key) <= 10),
      assignment_count integer not null constraint opening_balance_count_range check (assignment_count between 0 and 1000000),
      -- Threshold counts of the tiers already paid outside the system (ascending, distinct).
      tiers_paid integer[] not null default '{}',
      imported_at timestamptz not null default now(),
      imported_by uuid not null,
      constraint uq_opening_balances unique nulls not distinct (organization_id, scope_id, peer_mentor_id, period_type, period_key)
    );
    create index idx_opening_balances_mentor on opening_balances (peer_mentor_id, organization_id);

    alter table honorarium_records add column source text not null default 'counter'
      constraint record_source_enum check (source in ('counter', 'opening_balance'));

    create table opening_balance_audit_log (
      id bigint generated always as identity primary key,
      organization_id uuid not null,
      actor_id uuid not null,
      actor_roles text[] not null,
      occurred_at timestamptz not null default now(),
      line_count integer not null,
      -- The lines as imported, and what they replaced (null where a line was new).
      after jsonb not null,
      before jsonb not null
    );
    create index idx_opening_balance_audit_log_org on opening_balance_audit_log (organization_id, occurred_at desc, id desc);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table opening_balance_audit_log;
    alter table honorarium_records drop column source;
    drop table opening_balances;
  `);
}

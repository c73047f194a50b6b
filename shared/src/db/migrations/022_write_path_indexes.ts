import type { Knex } from "knex";

// Every counted assignment inserts a ledger row and upserts a row in each activity-day rollup
// (migration 014), so each index on those tables is paid once per event on the counter's hot path.
//  - Each rollup kept two indexes: its unique key and a covering index for the Bufdir query. One
//    unique key led by (organization, month) serves both: the trigger's upsert arbiter and the Bufdir
//    query's index-only range scan. month_key is the local month of activity_date, so the wider key
//    is exactly as unique.
//  - The ledger's (organization, month) index served only Bufdir's count of cancelled assignments;
//    a partial index over cancelled rows serves that, and counted rows never touch it. The reconcile
//    tool's per-organization scan uses idx_assignment_ledger_mentor (organization first).
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index idx_bufdir_scope_days_org_month;
    alter table bufdir_scope_days drop constraint uq_bufdir_scope_days;
    alter table bufdir_scope_days add constraint uq_bufdir_scope_days
      unique nulls not distinct (organization_id, month_key, scope_id, peer_mentor_id, activity_date) include (confirmed_count);

    drop index idx_bufdir_days_org_month;
    alter table bufdir_days drop constraint uq_bufdir_days;
    alter table bufdir_days add constraint uq_bufdir_days
      unique (organization_id, month_key, peer_mentor_id, activity_date) include (confirmed_count);

    drop index idx_assignment_ledger_org_month;
    create index idx_assignment_ledger_cancelled on assignment_ledger (organization_id, month_key) where state = 'cancelled';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index idx_assignment_ledger_cancelled;
    create index idx_assignment_ledger_org_month on assignment_ledger (organization_id, month_key);

    alter table bufdir_days drop constraint uq_bufdir_days;
    alter table bufdir_days add constraint uq_bufdir_days unique (organization_id, peer_mentor_id, activity_date);
    create index idx_bufdir_days_org_month on bufdir_days (organization_id, month_key) include (confirmed_count);

    alter table bufdir_scope_days drop constraint uq_bufdir_scope_days;
    alter table bufdir_scope_days add constraint uq_bufdir_scope_days
      unique nulls not distinct (organization_id, scope_id, peer_mentor_id, activity_date);
    create index idx_bufdir_scope_days_org_month on bufdir_scope_days (organization_id, month_key) include (scope_id, confirmed_count);
  `);
}

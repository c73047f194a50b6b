import type { Knex } from "knex";

// Bufdir counts activity days: distinct (mentor, local date). Counting them on demand over the
// ledger means a distinct over every assignment of the year (seconds at a million rows), so two
// rollups are kept from the ledger by statement-level triggers (one upsert per statement, whatever
// the batch size): per scope, and across scopes (a mentor active in two scopes on one day is one
// activity day for the organization). A row with confirmed_count 0 is a day no longer active.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table bufdir_scope_days (
      organization_id uuid not null,
      scope_id uuid,
      peer_mentor_id uuid not null,
      activity_date date not null,
      month_key text not null,
      confirmed_count integer not null,
      constraint uq_bufdir_scope_days unique nulls not distinct (organization_id, scope_id, peer_mentor_id, activity_date)
    );
    create index idx_bufdir_scope_days_org_month on bufdir_scope_days (organization_id, month_key) include (scope_id, confirmed_count);

    create table bufdir_days (
      organization_id uuid not null,
      peer_mentor_id uuid not null,
      activity_date date not null,
      month_key text not null,
      confirmed_count integer not null,
      constraint uq_bufdir_days unique (organization_id, peer_mentor_id, activity_date)
    );
    create index idx_bufdir_days_org_month on bufdir_days (organization_id, month_key) include (confirmed_count);

    -- +1 for every counted row a statement leaves, -1 for every counted row it replaces or removes.
    create function bufdir_days_from_ledger() returns trigger language plpgsql as $$
    declare
      delta text;
    begin
      if tg_op = 'INSERT' then
        delta := 'select organization_id, scope_id, peer_mentor_id, activity_date, month_key, 1 as d from ledger_new where state = ''counted''';
      elsif tg_op = 'DELETE' then
        delta := 'select organization_id, scope_id, peer_mentor_id, activity_date, month_key, -1 as d from ledger_old where state = ''counted''';
      else
        delta := 'select organization_id, scope_id, peer_mentor_id, activity_date, month_key, 1 as d from ledger_new where state = ''counted''
                  union all
                  select organization_id, scope_id, peer_mentor_id, activity_date, month_key, -1 as d from ledger_old where state = ''counted''';
      end if;
      execute format($sql$
        with delta as (%s),
        per_scope as (
          insert into bufdir_scope_days (organization_id, scope_id, peer_mentor_id, activity_date, month_key, confirmed_count)
          select organization_id, scope_id, peer_mentor_id, activity_date, min(month_key), sum(d)
            from delta group by organization_id, scope_id, peer_mentor_id, activity_date having sum(d) <> 0
          on conflict on constraint uq_bufdir_scope_days
            do update set confirmed_count = bufdir_scope_days.confirmed_count + excluded.confirmed_count
        )
        insert into bufdir_days (organization_id, peer_mentor_id, activity_date, month_key, confirmed_count)
        select organization_id, peer_mentor_id, activity_date, min(month_key), sum(d)
          from delta group by organization_id, peer_mentor_id, activity_date having sum(d) <> 0
        on conflict on constraint uq_bufdir_days
          do update set confirmed_count = bufdir_days.confirmed_count + excluded.confirmed_count
      $sql$, delta);
      return null;
    end $$;

    create function bufdir_days_truncate() returns trigger language plpgsql as $$
    begin
      truncate bufdir_scope_days, bufdir_days;
      return null;
    end $$;

    create trigger bufdir_days_on_insert after insert on assignment_ledger
      referencing new table as ledger_new for each statement execute function bufdir_days_from_ledger();
    create trigger bufdir_days_on_update after update on assignment_ledger
      referencing old table as ledger_old new table as ledger_new for each statement execute function bufdir_days_from_ledger();
    create trigger bufdir_days_on_delete after delete on assignment_ledger
      referencing old table as ledger_old for each statement execute function bufdir_days_from_ledger();
    create trigger bufdir_days_on_truncate after truncate on assignment_ledger
      for each statement execute function bufdir_days_truncate();

    insert into bufdir_scope_days (organization_id, scope_id, peer_mentor_id, activity_date, month_key, confirmed_count)
    select organization_id, scope_id, peer_mentor_id, activity_date, min(month_key), count(*)
      from assignment_ledger where state = 'counted' group by organization_id, scope_id, peer_mentor_id, activity_date;
    insert into bufdir_days (organization_id, peer_mentor_id, activity_date, month_key, confirmed_count)
    select organization_id, peer_mentor_id, activity_date, min(month_key), count(*)
      from assignment_ledger where state = 'counted' group by organization_id, peer_mentor_id, activity_date;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop trigger bufdir_days_on_truncate on assignment_ledger;
    drop trigger bufdir_days_on_delete on assignment_ledger;
    drop trigger bufdir_days_on_update on assignment_ledger;
    drop trigger bufdir_days_on_insert on assignment_ledger;
    drop function bufdir_days_truncate();
    drop function bufdir_days_from_ledger();
    drop table bufdir_days;
    drop table bufdir_scope_days;
  `);
}

import type { Knex } from "knex";

// The counter's state: ledger, monthly counters, crossing records (spec 003), offsets, outbox.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- One row per (assignment, mentor): the dedupe key for confirmations and cancellations.
    -- counted: confirmed and counted; cancelled: confirmed, then cancelled (no longer counted);
    -- tombstone: the cancellation arrived first, so a late confirmation must not count.
    create table assignment_ledger (
      assignment_id uuid not null,
      peer_mentor_id uuid not null,
      organization_id uuid not null,
      scope_id uuid,
      coordinator_id uuid,
      state text not null constraint ledger_state_enum check (state in ('counted', 'cancelled', 'tombstone')),
      confirmed_at timestamptz,
      -- Local month and day of confirmed_at in the organization's time zone at the time of counting.
      month_key text constraint ledger_month_key_format check (month_key ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
      activity_date date,
      cancelled_at timestamptz,
      confirm_event_id uuid,
      cancel_event_id uuid,
      cancel_reason text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (assignment_id, peer_mentor_id),
      constraint ledger_state_fields check (
        (state = 'tombstone' and confirmed_at is null and cancelled_at is not null)
        or (state = 'counted' and confirmed_at is not null and month_key is not null and activity_date is not null and cancelled_at is null)
        or (state = 'cancelled' and confirmed_at is not null and cancelled_at is not null)
      )
    );
    create trigger assignment_ledger_updated_at before update on assignment_ledger
      for each row execute function set_updated_at();
    create index idx_assignment_ledger_org_month on assignment_ledger (organization_id, month_key);
    create index idx_assignment_ledger_mentor on assignment_ledger (organization_id, peer_mentor_id);

    -- Confirmed (not cancelled) assignments per mentor, scope and local month. Every period
    -- is a whole number of months, so a period's count is the sum of its months.
    create table mentor_month_counts (
      organization_id uuid not null,
      scope_id uuid,
      peer_mentor_id uuid not null,
      month_key text not null constraint counts_month_key_format check (month_key ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
      confirmed_count integer not null default 0 constraint confirmed_count_non_negative check (confirmed_count >= 0),
      updated_at timestamptz not null default now(),
      -- scope_id null is "the whole organization", one bucket, not many.
      constraint uq_mentor_month_counts unique nulls not distinct (organization_id, scope_id, peer_mentor_id, month_key)
    );
    create index idx_mentor_month_counts_mentor on mentor_month_counts (peer_mentor_id, organization_id);

    -- Spec 003: honorarium threshold records. Spec field user_id is peer_mentor_id here.
    create table honorarium_records (
      id uuid primary key default gen_random_uuid(),
      peer_mentor_id uuid not null,
      organization_id uuid not null,
      scope_id uuid,
      coordinator_id uuid,
      threshold_config_id uuid references threshold_configs (id),
      tier_name text,
      tier_order integer,
      period_type text not null constraint record_period_type_enum check (period_type in ('calendar_year', 'half_year', 'quarter', 'month')),
      period_key text not null,
      assignment_count integer not null constraint assignment_count_positive_integer check (assignment_count > 0),
      threshold_crossed boolean not null default true,
      threshold_level text not null
        constraint threshold_level_enum check (threshold_level in ('none', 'office_honorarium', 'higher_rate', 'custom')),
      threshold_assignment_number integer,
      honorarium_rate numeric(12,2),
      currency char(3) not null default 'NOK' constraint record_currency_iso_format check (currency ~ '^[A-Z]{3}$'),
      is_cumulative boolean not null default false,
      fiscal_year integer not null constraint fiscal_year_valid_range check (fiscal_year between 2000 and 2100),
      payment_status text not null
        constraint payment_status_enum check (payment_status in ('not_applicable', 'pending', 'processing', 'paid', 'cancelled')),
      payment_processed_at timestamptz,
      coordinator_notified boolean not null default false,
      coordinator_notified_at timestamptz,
      trigger_assignment_id uuid,
      notes text constraint notes_max_length check (char_length(notes) <= 2000),
      -- The triggering assignment's confirmedAt (offline sync can make it much older than recorded_at).
      reached_at timestamptz,
      recorded_at timestamptz not null default now(),
      -- A cancellation took the count below this threshold: a person must look (spec 003 rule
      -- count_decrement_on_assignment_cancellation). The record itself is never deleted.
      needs_review boolean not null default false,
      review_flagged_at timestamptz,
      review_resolved_at timestamptz,
      review_resolved_by uuid,
      review_resolution text constraint review_resolution_max_length check (char_length(review_resolution) <= 2000),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint threshold_level_consistency check (threshold_crossed = (threshold_level <> 'none')),
      constraint honorarium_rate_required_for_threshold_records check (not threshold_crossed or honorarium_rate is not null),
      constraint threshold_assignment_number_matches_level check (
        not threshold_crossed or (threshold_assignment_number is not null and threshold_assignment_number > 0)
      ),
      constraint payment_status_applicable check ((payment_status = 'not_applicable') = (not threshold_crossed)),
      constraint payment_processed_at_requires_paid_status check ((payment_processed_at is not null) = (payment_status = 'paid')),
      constraint coordinator_notified_at_consistency check ((coordinator_notified_at is not null) = coordinator_notified),
      constraint recorded_at_not_in_future check (recorded_at <= now() + interval '5 minutes')
    );
    create trigger honorarium_records_updated_at before update on honorarium_records
      for each row execute function set_updated_at();
    -- One crossing per organization, scope, mentor, period and tier.
    create unique index uq_honorarium_records_crossing
      on honorarium_records (organization_id, scope_id, peer_mentor_id, period_type, period_key, tier_order)
      nulls not distinct where threshold_crossed;
    create index idx_assignment_honorarium_records_user_org on honorarium_records (peer_mentor_id, organization_id);
    create index idx_assignment_honorarium_records_user_org_fiscal_year on honorarium_records (peer_mentor_id, organization_id, fiscal_year);
    create index idx_assignment_honorarium_records_threshold_crossed
      on honorarium_records (peer_mentor_id, organization_id, threshold_crossed, threshold_level);
    create index idx_assignment_honorarium_records_org_fiscal_year on honorarium_records (organization_id, fiscal_year, threshold_crossed);
    create index idx_assignment_honorarium_records_payment_status on honorarium_records (organization_id, payment_status, threshold_crossed);
    create index idx_assignment_honorarium_records_recorded_at on honorarium_records (recorded_at);
    create index idx_honorarium_records_needs_review on honorarium_records (organization_id) where needs_review;

    -- Consumed positions, committed in the same transaction as the effects (DESIGN.md "Exactly-once").
    create table consumer_offsets (
      consumer_group text not null,
      topic text not null,
      partition integer not null constraint partition_non_negative check (partition >= 0),
      next_offset bigint not null constraint next_offset_non_negative check (next_offset >= 0),
      updated_at timestamptz not null default now(),
      primary key (consumer_group, topic, partition)
    );

    -- Transactional outbox: events and dead letters written with the effects, published after commit.
    create table outbox (
      id bigint generated always as identity primary key,
      kind text not null constraint outbox_kind_enum check (kind in ('event', 'dead_letter')),
      topic text not null,
      message_key text,
      payload bytea,
      headers jsonb not null default '{}'::jsonb,
      event_id uuid,
      created_at timestamptz not null default now(),
      published_at timestamptz,
      publish_attempts integer not null default 0,
      last_error text
    );
    create index idx_outbox_unpublished on outbox (id) where published_at is null;
    create function notify_outbox_inserted() returns trigger language plpgsql as $$
    begin
      perform pg_notify('outbox_inserted', '');
      return null;
    end $$;
    create trigger outbox_inserted after insert on outbox
      for each statement execute function notify_outbox_inserted();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table outbox;
    drop function notify_outbox_inserted();
    drop table consumer_offsets;
    drop table honorarium_records;
    drop table mentor_month_counts;
    drop table assignment_ledger;
  `);
}

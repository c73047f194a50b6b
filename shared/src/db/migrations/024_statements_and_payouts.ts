import type { Knex } from "knex";

// Statements and payout batches (issue 12).
// - honorarium_records.amount_paid: what was paid for a record, fixed when it becomes paid (the one
//   rule's amount due at that moment), so a statement's "paid" never moves with later changes.
// - payout_batches / payout_batch_records: a coordinator's batch for payroll. A record is in at most
//   one open batch (the partial unique index is the guard when two coordinators batch at once). A
//   batch that must be redone is released: its records stay `processing` (spec 003: nothing moves
//   backwards) and may be batched again; the released batch and its lines are kept for the audit.
// - payment_status_history gains the batch and the payment reference of each move.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table honorarium_records add column amount_paid numeric(12, 2)
      constraint amount_paid_only_when_paid check (amount_paid is null or payment_status = 'paid');

    create table payout_batches (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null,
      status text not null default 'processing' constraint payout_batch_status_enum check (status in ('processing', 'paid', 'released')),
      scope_ids uuid[],
      period_type text,
      period_key text,
      currency char(3) not null default 'NOK',
      total_amount numeric(14, 2) not null,
      record_count integer not null constraint payout_batch_not_empty check (record_count > 0),
      mentor_count integer not null,
      created_by uuid not null,
      created_at timestamptz not null default now(),
      paid_at timestamptz,
      paid_on date,
      payment_reference text constraint payout_reference_max_length check (char_length(payment_reference) <= 200),
      paid_by uuid,
      released_at timestamptz,
      released_by uuid,
      release_reason text constraint payout_release_reason_max_length check (char_length(release_reason) <= 2000),
      constraint payout_paid_fields check ((status = 'paid') = (paid_at is not null and paid_on is not null and payment_reference is not null)),
      constraint payout_released_fields check ((status = 'released') = (released_at is not null))
    );
    create index idx_payout_batches_org on payout_batches (organization_id, created_at desc);

    create table payout_batch_records (
      batch_id uuid not null references payout_batches (id),
      record_id uuid not null references honorarium_records (id),
      organization_id uuid not null,
      scope_id uuid,
      peer_mentor_id uuid not null,
      amount numeric(12, 2) not null constraint payout_line_amount_not_negative check (amount >= 0),
      released_at timestamptz,
      primary key (batch_id, record_id)
    );
    create unique index uq_payout_batch_records_open on payout_batch_records (record_id) where released_at is null;

    alter table payment_status_history
      add column batch_id uuid references payout_batches (id),
      add column payment_reference text constraint payment_reference_max_length check (char_length(payment_reference) <= 200);
    create index idx_payment_status_history_batch on payment_status_history (batch_id) where batch_id is not null;
    create index idx_payment_status_history_org on payment_status_history (organization_id, occurred_at desc);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index idx_payment_status_history_org;
    drop index idx_payment_status_history_batch;
    alter table payment_status_history drop column payment_reference, drop column batch_id;
    drop table payout_batch_records;
    drop table payout_batches;
    alter table honorarium_records drop column amount_paid;
  `);
}

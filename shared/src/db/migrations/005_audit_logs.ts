import type { Knex } from "knex";

// Who changed what and when: threshold configurations (spec 002) and payment status (spec 003).
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table config_audit_log (
      id bigint generated always as identity primary key,
      organization_id uuid not null,
      config_id uuid not null,
      action text not null constraint config_audit_action_enum check (action in ('create', 'update', 'deactivate')),
      actor_id uuid not null,
      actor_roles text[] not null,
      occurred_at timestamptz not null default now(),
      before jsonb,
      after jsonb,
      -- Set when an admin explicitly overrode no_retroactive_effective_date.
      override_reason text
    );
    create index idx_config_audit_log_org on config_audit_log (organization_id, occurred_at desc);
    create index idx_config_audit_log_config on config_audit_log (config_id, occurred_at);

    create table payment_status_history (
      id bigint generated always as identity primary key,
      record_id uuid not null references honorarium_records (id),
      organization_id uuid not null,
      from_status text not null,
      to_status text not null,
      actor_id uuid not null,
      note text constraint payment_note_max_length check (char_length(note) <= 2000),
      occurred_at timestamptz not null default now()
    );
    create index idx_payment_status_history_record on payment_status_history (record_id, occurred_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table payment_status_history;
    drop table config_audit_log;
  `);
}

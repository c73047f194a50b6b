import type { Knex } from "knex";

// Spec 004: delivery, read confirmation and reminders of encrypted assignments.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table assignment_deliveries (
      id uuid primary key default gen_random_uuid(),
      assignment_id uuid not null,
      peer_mentor_id uuid not null,
      organization_id uuid not null,
      delivery_status text not null
        constraint delivery_status_enum check (delivery_status in ('pending', 'delivered', 'opened', 'read_confirmed', 'expired')),
      delivered_at timestamptz,
      opened_at timestamptz,
      read_confirmed_at timestamptz,
      accounting_period text not null constraint accounting_period_format check (accounting_period ~ '^[0-9]{4}-H[12]$'),
      delivery_sequence_number integer not null constraint delivery_sequence_positive check (delivery_sequence_number > 0),
      honorarium_tier text not null constraint honorarium_tier_enum check (honorarium_tier in ('none', 'tier_1', 'tier_2')),
      read_receipt_required boolean not null,
      reminder_sent_at timestamptz,
      reminder_count integer not null default 0 constraint reminder_count_non_negative check (reminder_count >= 0),
      delivery_method text not null constraint delivery_method_enum check (delivery_method in ('push', 'in_app', 'sms', 'email')),
      coordinator_id uuid not null,
      expires_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint opened_at_after_delivered_at check (opened_at is null or (delivered_at is not null and opened_at >= delivered_at)),
      constraint read_confirmed_at_after_opened_at check (
        read_confirmed_at is null or (opened_at is not null and read_confirmed_at >= opened_at)
      )
    );
    create trigger assignment_deliveries_updated_at before update on assignment_deliveries
      for each row execute function set_updated_at();
    create index idx_assignment_deliveries_assignment_id on assignment_deliveries (assignment_id);
    create index idx_assignment_deliveries_peer_mentor_id on assignment_deliveries (peer_mentor_id);
    create unique index idx_assignment_deliveries_assignment_peer_mentor on assignment_deliveries (assignment_id, peer_mentor_id);
    create index idx_assignment_deliveries_accounting_period on assignment_deliveries (peer_mentor_id, accounting_period);
    create index idx_assignment_deliveries_status on assignment_deliveries (delivery_status);
    create index idx_assignment_deliveries_org_period on assignment_deliveries (organization_id, accounting_period);

    -- immutable_after_read_confirmed: once read_confirmed_at is set the record is append-only;
    -- no field but updated_at may change, and it may not be deleted. Enforced here, not only in code.
    create function assignment_deliveries_immutable() returns trigger language plpgsql as $$
    begin
      if old.read_confirmed_at is not null then
        if tg_op = 'DELETE' then
          raise exception 'assignment delivery % is read-confirmed and may not be deleted', old.id
            using errcode = 'check_violation';
        end if;
        if (to_jsonb(new) - 'updated_at') is distinct from (to_jsonb(old) - 'updated_at') then
          raise exception 'assignment delivery % is read-confirmed and append-only', old.id
            using errcode = 'check_violation';
        end if;
      end if;
      return case when tg_op = 'DELETE' then old else new end;
    end $$;
    create trigger assignment_deliveries_immutable before update or delete on assignment_deliveries
      for each row execute function assignment_deliveries_immutable();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table assignment_deliveries;
    drop function assignment_deliveries_immutable();
  `);
}

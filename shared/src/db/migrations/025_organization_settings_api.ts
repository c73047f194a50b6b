import type { Knex } from "knex";

// Organisation settings through the query API (issue 12, item 5).
// - organization_settings gains a display name, the locale (nb default, nn, en) and who changed it last.
//   time_zone stays where it is (the counter reads it); the API lets it change only while nothing
//   has been counted for the organisation (periods already counted in one zone must not shift).
// - scope_names: display names of the regional scopes (RK). Scopes are ids in the events; a name is
//   a place or unit, never a person's name.
// - payee_references: the organisation's opaque reference for paying a mentor (payroll/accounting id),
//   never a name, so payout exports can carry it without personal data.
// - organization_settings_audit_log: who changed which setting, when, before and after. Not
//   config_audit_log: that one is keyed by a threshold configuration (config_id not null, its own
//   action enum) and configs.auditLog reads it whole; settings are another subject.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table organization_settings
      add column display_name text
        constraint organization_display_name_length check (
          display_name is null or (char_length(display_name) between 1 and 200 and btrim(display_name) = display_name)
        ),
      add column locale text not null default 'nb' constraint organization_locale_enum check (locale in ('nb', 'nn', 'en')),
      add column updated_by uuid;

    create table scope_names (
      organization_id uuid not null,
      scope_id uuid not null,
      display_name text not null
        constraint scope_display_name_length check (char_length(display_name) between 1 and 120 and btrim(display_name) = display_name),
      updated_at timestamptz not null default now(),
      updated_by uuid not null,
      primary key (organization_id, scope_id)
    );

    create table payee_references (
      organization_id uuid not null,
      peer_mentor_id uuid not null,
      payee_reference text not null constraint payee_reference_format check (payee_reference ~ '^[A-Za-z0-9._:/-]{1,64}$'),
      updated_at timestamptz not null default now(),
      updated_by uuid not null,
      primary key (organization_id, peer_mentor_id)
    );

    create table organization_settings_audit_log (
      id bigint generated always as identity primary key,
      organization_id uuid not null,
      action text not null constraint organization_settings_audit_action_enum check (
        action in ('update_settings', 'set_tax_free_limit', 'set_scope_name', 'set_payee_reference', 'clear_payee_reference')
      ),
      -- What the change is about: the income year, the scope id or the mentor id; null for the settings row.
      subject text constraint organization_settings_audit_subject_length check (char_length(subject) <= 64),
      actor_id uuid not null,
      actor_roles text[] not null,
      occurred_at timestamptz not null default now(),
      before jsonb,
      after jsonb
    );
    create index idx_organization_settings_audit_log_org on organization_settings_audit_log (organization_id, occurred_at desc, id desc);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table organization_settings_audit_log;
    drop table payee_references;
    drop table scope_names;
    alter table organization_settings drop column updated_by, drop column locale, drop column display_name;
  `);
}

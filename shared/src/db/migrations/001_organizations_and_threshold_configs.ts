import type { Knex } from "knex";

// Spec 002 (assignment threshold configs). Constraint names are the spec's validation rules.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function set_updated_at() returns trigger language plpgsql as $$
    begin
      new.updated_at := now();
      return new;
    end $$;

    -- Per-organization settings. An organization without a row gets the defaults
    -- (Europe/Oslo, the NOK 10,000 tax-free limit): upstream events never wait for set-up.
    create table organization_settings (
      organization_id uuid primary key,
      time_zone text not null default 'Europe/Oslo',
      tax_free_limit numeric(12,2) not null default 10000 constraint tax_free_limit_non_negative check (tax_free_limit >= 0),
      currency char(3) not null default 'NOK' constraint organization_currency_iso_format check (currency ~ '^[A-Z]{3}$'),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create trigger organization_settings_updated_at before update on organization_settings
      for each row execute function set_updated_at();

    -- The tax-free limit for honoraria can change by income year (Skatteetaten sets it).
    create table tax_free_limits (
      organization_id uuid not null,
      income_year integer not null constraint income_year_valid_range check (income_year between 2000 and 2100),
      limit_amount numeric(12,2) not null constraint limit_amount_non_negative check (limit_amount >= 0),
      primary key (organization_id, income_year)
    );

    create table threshold_configs (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null,
      name text not null constraint name_not_blank check (btrim(name) <> ''),
      threshold_count integer not null constraint threshold_count_positive check (threshold_count > 0),
      honorarium_amount numeric(12,2) not null constraint honorarium_amount_non_negative check (honorarium_amount >= 0),
      currency char(3) not null default 'NOK' constraint currency_iso_format check (currency ~ '^[A-Z]{3}$'),
      period_type text not null default 'calendar_year'
        constraint valid_period_type_enum check (period_type in ('calendar_year', 'half_year', 'quarter', 'month')),
      tier_order integer not null constraint tier_order_non_negative check (tier_order >= 0),
      -- Spec 003's threshold_level, copied into crossing records: kontorhonorar, higher rate, or another tier.
      threshold_level text not null default 'custom'
        constraint valid_threshold_level check (threshold_level in ('office_honorarium', 'higher_rate', 'custom')),
      is_cumulative boolean not null default false,
      is_active boolean not null default true,
      effective_from timestamptz not null,
      effective_until timestamptz,
      description text constraint description_max_length check (char_length(description) <= 2000),
      notification_enabled boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      created_by uuid not null,
      updated_by uuid,
      constraint effective_until_after_from check (effective_until is null or effective_until > effective_from)
    );
    create trigger threshold_configs_updated_at before update on threshold_configs
      for each row execute function set_updated_at();
    create index idx_threshold_configs_org_id on threshold_configs (organization_id);
    create index idx_threshold_configs_org_active on threshold_configs (organization_id, is_active);
    create index idx_threshold_configs_org_tier on threshold_configs (organization_id, tier_order);
    create index idx_threshold_configs_effective_range on threshold_configs (effective_from, effective_until);
    -- unique_threshold_count_per_org_period: no two active configurations share a count.
    create unique index uq_threshold_configs_active_count
      on threshold_configs (organization_id, period_type, threshold_count) where is_active;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table threshold_configs;
    drop table tax_free_limits;
    drop table organization_settings;
    drop function set_updated_at();
  `);
}

import type { Knex } from "knex";

// Issue 15, webhooks an integrator can run:
// - health: consecutive permanent failures and the start of the current failing streak, so an
//   endpoint that has failed for days (or 50 times in a row) is disabled automatically; why and
//   when are kept so the admin sees it and webhooks.enable can clear it.
// - rotation: the previous secret stays valid until previous_secret_expires_at, and the notifier
//   signs with both meanwhile (Standard Webhooks sends a space-separated signature list for this).
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table organization_webhooks
      add column consecutive_failures integer not null default 0
        constraint webhook_consecutive_failures_non_negative check (consecutive_failures >= 0),
      add column failing_since timestamptz,
      add column disabled_reason text constraint webhook_disabled_reason_length check (char_length(disabled_reason) <= 300),
      add column disabled_at timestamptz,
      add column previous_secret text
        constraint webhook_previous_secret_format check (previous_secret is null or previous_secret ~ '^whsec_[A-Za-z0-9+/=]{32,}$'),
      add column previous_secret_expires_at timestamptz,
      add constraint webhook_previous_secret_has_expiry check ((previous_secret is null) = (previous_secret_expires_at is null));
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table organization_webhooks
      drop constraint webhook_previous_secret_has_expiry,
      drop column previous_secret_expires_at,
      drop column previous_secret,
      drop column disabled_at,
      drop column disabled_reason,
      drop column failing_since,
      drop column consecutive_failures;
  `);
}

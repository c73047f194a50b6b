import type { Knex } from "knex";

// Per user, channel (web_push, in_app) and category (threshold_crossed, delivery_reminder,
// delivery_failures): a row only where the user chose; no row means on.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table notification_preferences (
      organization_id uuid not null,
      user_id uuid not null,
      channel text not null constraint preference_channel_enum check (channel in ('web_push', 'in_app')),
      category text not null
        constraint preference_category_enum check (category in ('threshold_crossed', 'delivery_reminder', 'delivery_failures')),
      enabled boolean not null,
      updated_at timestamptz not null default now(),
      primary key (organization_id, user_id, channel, category)
    );
    create index idx_notification_preferences_user on notification_preferences (user_id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop table notification_preferences;`);
}

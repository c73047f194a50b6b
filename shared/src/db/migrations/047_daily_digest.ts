import type { Knex } from "knex";

// Issue 15 digest: a coordinator may take one daily summary per scope instead of a message per
// crossing. A row says "for this scope, a digest" (no row: a message per crossing). The digest's
// job key is derived from (organization, user, scope, local day), so the unique job index lets each
// digest through once however many notifier instances run the pass.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table notification_digests (
      organization_id uuid not null,
      user_id uuid not null,
      scope_id uuid not null,
      created_at timestamptz not null default now(),
      primary key (organization_id, user_id, scope_id)
    );
    create index idx_notification_digests_user on notification_digests (user_id);

    alter table notification_jobs drop constraint notification_kind_enum;
    alter table notification_jobs add constraint notification_kind_enum
      check (kind in ('threshold_crossed', 'delivery_reminder', 'daily_digest'));
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    delete from in_app_notifications where job_id in (select id from notification_jobs where kind = 'daily_digest');
    delete from notification_attempts where job_id in (select id from notification_jobs where kind = 'daily_digest');
    delete from notification_jobs where kind = 'daily_digest';
    alter table notification_jobs drop constraint notification_kind_enum;
    alter table notification_jobs add constraint notification_kind_enum check (kind in ('threshold_crossed', 'delivery_reminder'));
    drop table notification_digests;
  `);
}

import type { Knex } from "knex";

// webhooks.replay (issue 15): a replayed job is the same job (same id, so the same webhook-id
// and receivers dedupe), set pending again. attempt_base is its attempt_count when it was
// replayed: the retry ladder and the attempt limit count from there, while attempt_count keeps
// growing (it is the claim's fencing token and numbers the attempt log without gaps).
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table notification_jobs
      add column attempt_base integer not null default 0 constraint attempt_base_non_negative check (attempt_base >= 0),
      add column replay_count integer not null default 0 constraint replay_count_non_negative check (replay_count >= 0),
      add column replayed_at timestamptz;
    -- The replay window and the attempt log read one organization's webhook jobs by creation time.
    create index idx_notification_jobs_org_channel_created on notification_jobs (organization_id, channel, created_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index idx_notification_jobs_org_channel_created;
    alter table notification_jobs drop column replayed_at, drop column replay_count, drop column attempt_base;
  `);
}

import type { Knex } from "knex";

// The counter's outbox relay parks a row it could not publish after COUNTER_RELAY_MAX_ATTEMPTS tries
// (too large for the broker, topic gone): the claim skips it, so the rows behind it keep flowing.
// To retry a parked row: update outbox set parked_at = null, publish_attempts = 0 where id = ...
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table outbox add column parked_at timestamptz;
    create index idx_outbox_claimable on outbox (id) where published_at is null and parked_at is null;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index idx_outbox_claimable;
    alter table outbox drop column parked_at;
  `);
}

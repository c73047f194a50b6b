import type { Knex } from "knex";

// The delay the notifier scheduled after an attempt (null when it did not retry): the attempt log
// shows why a delivery waited, and tests check the retry ladder from it instead of a wall clock.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table notification_attempts add column retry_in_ms integer
      constraint retry_in_ms_not_negative check (retry_in_ms >= 0);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`alter table notification_attempts drop column retry_in_ms;`);
}

import type { Knex } from "knex";

// The counter writes one dead letter per source message: a replay (or a redelivery after the
// stored offset was reset) must not publish the same dead letter again.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create unique index uq_outbox_dead_letter_source on outbox (
      (headers ->> 'dlq-source-topic'), (headers ->> 'dlq-source-partition'), (headers ->> 'dlq-source-offset')
    ) where kind = 'dead_letter';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop index uq_outbox_dead_letter_source");
}

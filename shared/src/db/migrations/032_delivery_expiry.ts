import type { Knex } from "knex";

// Spec 004 expiry: the notifier's scheduled pass looks for deliveries past expires_at that are
// still open (pending, delivered, opened); this partial index keeps that look-up small.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create index idx_assignment_deliveries_expiring on assignment_deliveries (expires_at)
      where expires_at is not null and delivery_status in ('pending', 'delivered', 'opened');
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop index idx_assignment_deliveries_expiring;`);
}

import type { Knex } from "knex";

// Spec 004 lookups: the counter checks a delivery's coordinator against the organizations the
// ledger knows them in (cross-organization dispatch); coordinators list unread and overdue deliveries.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create index idx_assignment_ledger_coordinator on assignment_ledger (coordinator_id, organization_id)
      where coordinator_id is not null;
    create index idx_assignment_deliveries_org_unread on assignment_deliveries (organization_id, delivered_at)
      where opened_at is null;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index idx_assignment_deliveries_org_unread;
    drop index idx_assignment_ledger_coordinator;
  `);
}

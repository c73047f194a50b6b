import type { Knex } from "knex";
import { MIGRATIONS } from "./migrations/index.ts";

type Migration = (typeof MIGRATIONS)[number];

const migrationSource: Knex.MigrationSource<Migration> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};

const config: Knex.MigratorConfig = { migrationSource, tableName: "knex_migrations" };

/** Applies every pending migration; returns the names applied. */
export async function migrateLatest(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest(config)) as [number, string[]];
  return applied;
}

/** Rolls back the last batch (or everything with `all`); returns the names rolled back. */
export async function migrateRollback(db: Knex, all = false): Promise<string[]> {
  const [, rolledBack] = (await db.migrate.rollback(config, all)) as [number, string[]];
  return rolledBack;
}

/** Undoes exactly one migration (the newest applied). */
export async function migrateDown(db: Knex): Promise<string[]> {
  const [, rolledBack] = (await db.migrate.down(config)) as [number, string[]];
  return rolledBack;
}

/** Applies exactly one pending migration. */
export async function migrateUp(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.up(config)) as [number, string[]];
  return applied;
}

export async function migrationStatus(db: Knex): Promise<{ completed: string[]; pending: string[] }> {
  const [completed, pending] = (await db.migrate.list(config)) as [{ name: string }[], Migration[]];
  return { completed: completed.map((m) => m.name), pending: pending.map(([name]) => name) };
}

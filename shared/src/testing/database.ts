import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Knex } from "knex";
import { createDatabase } from "../db/database.ts";
import { migrateLatest } from "../db/migrate.ts";

export interface TestDatabase {
  /** URL of this test file's own database. */
  url: string;
  name: string;
  db: Knex;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

function withDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(serverUrl, "postgres") });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A fresh database for one test file: created, migrated to the latest schema, and dropped
 * afterwards, so runs never share state.
 */
export async function createTestDatabase(serverUrl: string, options: { migrate?: boolean; poolMax?: number } = {}): Promise<TestDatabase> {
  const name = `test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  await adminQuery(serverUrl, `create database ${name}`);
  const url = withDatabase(serverUrl, name);
  const db = createDatabase(url, { poolMax: options.poolMax ?? 5, applicationName: name });
  if (options.migrate !== false) await migrateLatest(db);
  return {
    url,
    name,
    db,
    async drop() {
      await db.destroy();
      await adminQuery(serverUrl, `drop database if exists ${name} with (force)`);
    },
  };
}

import knexPkg, { type Knex } from "knex";
import pg from "pg";

export type { Knex };

// numeric (money) stays a string: exact, never a float. bigint offsets fit in a JS number
// for any realistic Kafka offset, and count(*) is bigint, so parse int8 as a number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number.parseInt(value, 10));

export interface DatabaseOptions {
  poolMax?: number;
  applicationName?: string;
}

/** A knex instance on PostgreSQL. Close it with `destroy()` at shutdown. */
export function createDatabase(url: string, options: DatabaseOptions = {}): Knex {
  return knexPkg({
    client: "pg",
    connection: { connectionString: url, application_name: options.applicationName ?? "honorarium-tracker" },
    pool: { min: 0, max: options.poolMax ?? 10 },
    acquireConnectionTimeout: 10_000,
  });
}

/** True when the database answers a trivial query. */
export async function databaseIsReachable(db: Knex): Promise<boolean> {
  try {
    await db.raw("select 1");
    return true;
  } catch {
    return false;
  }
}

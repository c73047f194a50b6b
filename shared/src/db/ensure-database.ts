import pg from "pg";

/** Creates the database named in `url` when it does not exist (connecting to `postgres` to do so). */
export async function ensureDatabaseExists(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ""));
  if (name === "") throw new Error("DATABASE_URL names no database");
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (found.rowCount !== 0) return false;
    await client.query(`create database "${name.replaceAll('"', '""')}"`);
    return true;
  } catch (error) {
    // Two processes raced to create it.
    if ((error as { code?: string }).code === "42P04") return false;
    throw error;
  } finally {
    await client.end();
  }
}

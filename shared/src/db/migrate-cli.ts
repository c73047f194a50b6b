// npm run migrate [-- latest|rollback|status]: creates the database if needed, then migrates.
import { z } from "zod";
import { commonEnvShape, loadEnv } from "../env.ts";
import { runMain } from "../run-main.ts";
import { createDatabase } from "./database.ts";
import { ensureDatabaseExists } from "./ensure-database.ts";
import { migrateLatest, migrateRollback, migrationStatus } from "./migrate.ts";

runMain(async () => {
  const env = loadEnv(z.object({ DATABASE_URL: commonEnvShape.DATABASE_URL }));
  const command = process.argv[2] ?? "latest";
  const created = await ensureDatabaseExists(env.DATABASE_URL).catch((error: Error) => {
    throw new Error(`PostgreSQL is not reachable at ${new URL(env.DATABASE_URL).host}: ${error.message}`);
  });
  if (created) console.log(`created database ${new URL(env.DATABASE_URL).pathname.slice(1)}`);
  const db = createDatabase(env.DATABASE_URL, { poolMax: 2, applicationName: "migrate" });
  try {
    if (command === "latest") {
      const applied = await migrateLatest(db);
      console.log(applied.length === 0 ? "migrations: already up to date" : `migrations applied: ${applied.join(", ")}`);
    } else if (command === "rollback") {
      const rolledBack = await migrateRollback(db, process.argv.includes("--all"));
      console.log(`migrations rolled back: ${rolledBack.join(", ") || "none"}`);
    } else if (command === "status") {
      const { completed, pending } = await migrationStatus(db);
      console.log(`completed: ${completed.join(", ") || "none"}\npending: ${pending.join(", ") || "none"}`);
    } else {
      throw new Error(`unknown command "${command}": use latest, rollback or status`);
    }
  } finally {
    await db.destroy();
  }
});

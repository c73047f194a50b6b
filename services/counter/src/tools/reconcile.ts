import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { z } from "zod";
import { commonEnvShape, loadEnv, runMain } from "@honorarium/shared";
import { createDatabase } from "@honorarium/shared/db";
import { type CountDrift, findCountDrift, listCountedOrganizations, repairCountDrift } from "../adapters/postgres/reconcile-store.ts";

const USAGE = "usage: npm run counter:reconcile -- [--organization <uuid>] [--repair]";

/**
 * Recomputes every counter from the ledger, reports drift (stdout, JSON) and repairs it on
 * request. Safe while the counter runs: a repair locks the counters table per organization.
 */
runMain(async () => {
  const { values } = parseArgs({
    options: { organization: { type: "string" }, repair: { type: "boolean", default: false }, help: { type: "boolean", default: false } },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (values.organization !== undefined && !z.uuid().safeParse(values.organization).success) {
    throw new Error(`--organization must be a UUID\n${USAGE}`);
  }
  const { DATABASE_URL } = loadEnv(z.object({ DATABASE_URL: commonEnvShape.DATABASE_URL }));
  const db = createDatabase(DATABASE_URL, { poolMax: 2, applicationName: "counter-reconcile" });
  try {
    const organizations = await listCountedOrganizations(db, values.organization);
    const bar = new cliProgress.SingleBar(
      { format: "reconcile [{bar}] {value}/{total} organizations | drift {drift}", stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    bar.start(organizations.length, 0, { drift: 0 });
    const drift: CountDrift[] = [];
    for (const organizationId of organizations) {
      drift.push(...(values.repair ? await repairCountDrift(db, organizationId) : await findCountDrift(db, organizationId)));
      bar.increment(1, { drift: drift.length });
    }
    bar.stop();
    process.stdout.write(
      `${JSON.stringify({ organizations: organizations.length, driftedCounters: drift.length, repaired: values.repair, drift: drift.slice(0, 1000) }, null, 2)}\n`,
    );
    if (drift.length > 0 && !values.repair) process.exitCode = 3;
  } finally {
    await db.destroy();
  }
});

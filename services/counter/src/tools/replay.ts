import { parseArgs } from "node:util";
import { createLogger, runMain } from "@honorarium/shared";
import { createDatabase, resetGroupOffsets } from "@honorarium/shared/db";
import { createKafka, groupActivity, offsetsAtTime, setGroupOffsets } from "@honorarium/shared/infra";
import { loadCounterConfig } from "../config.ts";

const USAGE = "usage: npm run counter:replay -- --to <ISO timestamp> [--group <id>]";

/**
 * Re-processes the input topics from a timestamp: moves the group's stored offsets (Postgres,
 * the guard) and its Kafka offsets (the hint) back to the first message at or after `--to`.
 * Never moves a partition forward (that would skip events). The group must be stopped.
 * A replay changes nothing: the ledger dedupes confirmations and cancellations, crossing
 * records are unique, and dead letters are unique per source offset.
 */
runMain(async () => {
  const { values } = parseArgs({
    options: { to: { type: "string" }, group: { type: "string" }, help: { type: "boolean", default: false } },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const to = values.to === undefined ? Number.NaN : Date.parse(values.to);
  if (Number.isNaN(to)) throw new Error(`--to needs an ISO timestamp\n${USAGE}`);
  const config = loadCounterConfig();
  const group = values.group ?? config.COUNTER_GROUP_ID;
  const logger = createLogger("counter-replay", config.LOG_LEVEL);
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-replay`, logger });
  const db = createDatabase(config.DATABASE_URL, { poolMax: 2, applicationName: "counter-replay" });
  try {
    const activity = await groupActivity(kafka, group);
    if (activity.active) {
      throw new Error(
        `group ${group} has ${activity.members ?? "one or more"} active member(s) (state ${activity.state}); stop the counter first`,
      );
    }
    const targets: { topic: string; partition: number; offset: string }[] = [];
    for (const topic of config.COUNTER_TOPICS) {
      for (const { partition, offset } of await offsetsAtTime(kafka, topic, to)) targets.push({ topic, partition, offset });
    }
    const applied = await resetGroupOffsets(db, group, targets);
    for (const topic of config.COUNTER_TOPICS) {
      const partitions = applied.filter((t) => t.topic === topic).map(({ partition, offset }) => ({ partition, offset }));
      if (partitions.length > 0) await setGroupOffsets(kafka, group, topic, partitions);
    }
    process.stdout.write(`${JSON.stringify({ group, to: new Date(to).toISOString(), partitions: applied }, null, 2)}\n`);
  } finally {
    await db.destroy();
  }
});

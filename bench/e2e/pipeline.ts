/** What the full run and the short CI test share: seeding, message bytes, the services' specs. */
import type pg from "pg";
import type { ServiceSpec } from "./services.ts";
import type { OrgSpec, StreamItem } from "./workload.ts";
import type { Kafka } from "kafkajs";
import { TOPICS as CONTRACT_TOPICS, deadLetterTopicOf } from "@honorarium/shared/contracts";
import type { GroupProtocol } from "@honorarium/shared/infra";
/** The topics one pipeline run uses; a prefix keeps a test's topics apart from everyone else's. */
export interface PipelineTopics {
  confirmed: string;
  cancelled: string;
  crossed: string;
}

export function pipelineTopics(prefix = ""): PipelineTopics {
  const named = (topic: string) => (prefix === "" ? topic : `${prefix}.${topic}`);
  return {
    confirmed: named(CONTRACT_TOPICS.assignmentConfirmed),
    cancelled: named(CONTRACT_TOPICS.assignmentCancelled),
    crossed: named(CONTRACT_TOPICS.thresholdCrossed),
  };
}

/** Creates the run's topics and their dead-letter topics, `partitions` each. */
export async function createPipelineTopics(kafka: Kafka, topics: PipelineTopics, partitions = 3): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [topics.confirmed, topics.cancelled, topics.crossed]
        .flatMap((topic) => [topic, deadLetterTopicOf(topic)])
        .map((topic) => ({ topic, numPartitions: partitions })),
    });
  } finally {
    await admin.disconnect();
  }
}

/** Organization settings, tiers (effective since 2020) and a webhook per organization; returns the webhook secrets. */
export async function seedOrganizations(db: pg.Pool | pg.Client, orgs: readonly OrgSpec[], webhookUrl: string): Promise<string[]> {
  const secrets: string[] = [];
  for (const [i, org] of orgs.entries()) {
    await db.query("insert into organization_settings (organization_id, time_zone) values ($1, $2)", [org.id, org.timeZone]);
    for (const tier of org.tiers) {
      await db.query(
        `insert into threshold_configs (organization_id, name, threshold_count, honorarium_amount, currency, period_type, tier_order,
           threshold_level, is_cumulative, effective_from, notification_enabled, created_by)
         values ($1, $2, $3, $4, 'NOK', $5, $6, $7, $8, '2020-01-01T00:00:00+01:00', true, $9)`,
        [org.id, tier.name, tier.count, tier.amount, tier.periodType, tier.order, tier.level, tier.cumulative, org.adminId],
      );
    }
    const secret = `whsec_${Buffer.alloc(32, 11 + i).toString("base64")}`;
    secrets.push(secret);
    await db.query("insert into organization_webhooks (organization_id, url, secret, enabled) values ($1, $2, $3, true)", [
      org.id,
      `${webhookUrl}/${org.key}`,
      secret,
    ]);
  }
  return secrets;
}

export function messageOf(item: StreamItem): { key: string; value: string } {
  if (item.kind === "poison") return { key: item.key, value: item.value };
  return { key: item.event.peerMentorId, value: JSON.stringify(item.event) };
}

export interface PipelineEnv {
  databaseUrl: string;
  redisUrl: string;
  kafkaBrokers: string;
  jwtSecret: string;
  ports: { counter: number; notifier: number; api: number };
  /**
   * The counter's and notifier's group protocol and session timeout (a SIGKILLed member's
   * partitions move after its session); unset, the services' defaults.
   */
  group?: { protocol: GroupProtocol; sessionTimeoutMs: number };
  /** Extra variables per service (topic prefixes, group ids, Redis prefixes for a shared broker). */
  extra?: { counter?: Record<string, string>; notifier?: Record<string, string>; api?: Record<string, string> };
}

export function serviceSpecs(env: PipelineEnv): ServiceSpec[] {
  const common = {
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    KAFKA_BROKERS: env.kafkaBrokers,
    LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? "warn",
  };
  return [
    {
      name: "counter",
      port: env.ports.counter,
      env: {
        ...common,
        COUNTER_HTTP_PORT: String(env.ports.counter),
        ...(env.group === undefined
          ? {}
          : { COUNTER_GROUP_PROTOCOL: env.group.protocol, COUNTER_SESSION_TIMEOUT_MS: String(env.group.sessionTimeoutMs) }),
        ...env.extra?.counter,
      },
    },
    {
      name: "notifier",
      port: env.ports.notifier,
      env: {
        ...common,
        NOTIFIER_HTTP_PORT: String(env.ports.notifier),
        NOTIFIER_WEBHOOK_ALLOW_HOSTS: "127.0.0.1:*",
        ...(env.group === undefined
          ? {}
          : { NOTIFIER_GROUP_PROTOCOL: env.group.protocol, NOTIFIER_KAFKA_SESSION_TIMEOUT_MS: String(env.group.sessionTimeoutMs) }),
        ...env.extra?.notifier,
      },
    },
    {
      name: "query-api",
      port: env.ports.api,
      env: {
        ...common,
        QUERY_API_PORT: String(env.ports.api),
        QUERY_API_OPS_PORT: "0",
        QUERY_API_HOST: "127.0.0.1",
        AUTH_JWT_SECRET: env.jwtSecret,
        QUERY_API_RATE_LIMIT_PER_MINUTE: "10000000",
        ...env.extra?.api,
      },
    },
  ];
}

/** Sum of the counter group's stored next offsets (of one topic, or all). */
export async function committedOffsets(db: pg.Pool, group: string, topic?: string): Promise<number | null> {
  try {
    const result = await db.query<{ total: string | null }>(
      `select sum(next_offset)::bigint as total from consumer_offsets where consumer_group = $1 ${topic === undefined ? "" : "and topic = $2"}`,
      topic === undefined ? [group] : [group, topic],
    );
    return Number(result.rows[0]?.total ?? 0);
  } catch {
    return null;
  }
}

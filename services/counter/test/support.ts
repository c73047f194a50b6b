import { randomUUID } from "node:crypto";
import type { Kafka, Producer } from "kafkajs";
import type { Knex } from "@honorarium/shared/db";
import { createLogger } from "@honorarium/shared";
import { createTestKafka, createTopics, eventually, uniqueName } from "@honorarium/shared/testing";
import type { TestServices } from "@honorarium/shared/testing";
import { type CounterConfig, loadCounterConfig } from "../src/config.ts";
import { type CounterService, createCounterService } from "../src/counter-service.ts";

declare module "vitest" {
  export interface ProvidedContext {
    testServices: TestServices;
  }
}

/** Unique topic and group names for one test file (the broker is shared with other runs). */
export interface CounterTopics {
  confirmed: string;
  cancelled: string;
  crossed: string;
  group: string;
  redisPrefix: string;
}

export function uniqueCounterTopics(prefix: string): CounterTopics {
  const base = uniqueName(prefix);
  return {
    confirmed: `${base}.assignment.confirmed.v1`,
    cancelled: `${base}.assignment.cancelled.v1`,
    crossed: `${base}.honorarium.threshold-crossed.v1`,
    group: `${base}-counter`,
    redisPrefix: `${base}:`,
  };
}

export async function createCounterTopics(kafka: Kafka, topics: CounterTopics, partitions: number): Promise<void> {
  await createTopics(kafka, [topics.confirmed, topics.cancelled], partitions);
  await createTopics(kafka, [topics.crossed, `${topics.confirmed}.dlq`, `${topics.cancelled}.dlq`], 1);
}

export function counterEnv(services: TestServices, databaseUrl: string, topics: CounterTopics, extra: Record<string, string> = {}) {
  return {
    DATABASE_URL: databaseUrl,
    REDIS_URL: services.redisUrl,
    KAFKA_BROKERS: services.kafkaBrokers.join(","),
    KAFKA_CLIENT_ID: topics.group,
    LOG_LEVEL: "warn",
    COUNTER_HTTP_PORT: "0",
    COUNTER_GROUP_ID: topics.group,
    COUNTER_TOPICS: `${topics.confirmed},${topics.cancelled}`,
    COUNTER_THRESHOLD_CROSSED_TOPIC: topics.crossed,
    COUNTER_RELAY_POLL_MS: "200",
    LIVE_UPDATES_PREFIX: topics.redisPrefix,
    ...extra,
  };
}

export function startInProcessCounter(env: Record<string, string>): { config: CounterConfig; service: CounterService } {
  const config = loadCounterConfig(env);
  const service = createCounterService(config, createLogger("counter-test", config.LOG_LEVEL));
  return { config, service };
}

export interface Ids {
  org: string;
  scope: string | null;
  mentor: string;
  coordinator: string;
}

export function confirmed(ids: Ids, confirmedAt: string, assignmentId = randomUUID(), eventId = randomUUID()) {
  return {
    eventId,
    assignmentId,
    peerMentorId: ids.mentor,
    organizationId: ids.org,
    scopeId: ids.scope,
    coordinatorId: ids.coordinator,
    confirmedAt,
  };
}

export function cancelled(ids: Ids, assignmentId: string, cancelledAt = "2026-06-01T10:00:00Z", eventId = randomUUID()) {
  return { eventId, assignmentId, peerMentorId: ids.mentor, organizationId: ids.org, cancelledAt };
}

export async function connectProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return producer;
}

/**
 * The broker timestamp an upstream producer would give an event: the moment it happened. The input
 * rules refuse times more than 7 days after the broker timestamp, so tests with fixed past dates
 * stamp their messages with the event's own time and never depend on how long ago that was. A time
 * still ahead keeps the producer's clock (the broker refuses timestamps ahead of its own).
 */
export function eventTimestamp(event: object | undefined): string | undefined {
  const fields = (event ?? {}) as { confirmedAt?: unknown; cancelledAt?: unknown; at?: unknown };
  const at = [fields.confirmedAt, fields.cancelledAt, fields.at].find((value) => typeof value === "string");
  const ms = typeof at === "string" ? Date.parse(at) : Number.NaN;
  return Number.isFinite(ms) && ms >= 0 && ms <= Date.now() ? String(ms) : undefined;
}

export async function produceJson(producer: Producer, topic: string, events: readonly { peerMentorId: string }[]): Promise<void> {
  if (events.length === 0) return;
  await producer.send({
    topic,
    acks: -1,
    messages: events.map((event) => ({ key: event.peerMentorId, value: JSON.stringify(event), timestamp: eventTimestamp(event) })),
  });
}

/** Waits until the group's stored offsets in Postgres reach the end of every partition of `topics`. */
export async function waitCaughtUp(kafka: Kafka, db: Knex, group: string, topics: readonly string[], timeoutMs = 60_000): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = new Map<string, number>();
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}/${p.partition}`, Number(p.high));
    }
    await eventually(
      async () => {
        const rows: { topic: string; partition: number; next_offset: number }[] = await db("consumer_offsets").where({
          consumer_group: group,
        });
        const stored = new Map(rows.map((row) => [`${row.topic}/${row.partition}`, Number(row.next_offset)]));
        for (const [key, end] of ends) {
          if (end > 0 && (stored.get(key) ?? 0) < end) return undefined;
        }
        return true;
      },
      timeoutMs,
      `group ${group} caught up with ${topics.join(", ")}`,
    );
  } finally {
    await admin.disconnect();
  }
}

/** Waits until the outbox is fully published. */
export async function waitOutboxEmpty(db: Knex, timeoutMs = 60_000): Promise<void> {
  await eventually(
    async () => {
      const [row] = await db("outbox").whereNull("published_at").count<{ count: number }[]>({ count: "*" });
      return Number(row?.count ?? 0) === 0 ? true : undefined;
    },
    timeoutMs,
    "outbox published",
  );
}

export interface Tier {
  organizationId: string;
  name: string;
  thresholdCount: number;
  amount: string;
  periodType?: "calendar_year" | "half_year" | "quarter" | "month";
  tierOrder: number;
  level?: "office_honorarium" | "higher_rate" | "custom";
  effectiveFrom?: string;
  effectiveUntil?: string | null;
  isCumulative?: boolean;
  notificationEnabled?: boolean;
}

export async function insertTier(db: Knex, tier: Tier): Promise<string> {
  const [row] = await db("threshold_configs")
    .insert({
      organization_id: tier.organizationId,
      name: tier.name,
      threshold_count: tier.thresholdCount,
      honorarium_amount: tier.amount,
      currency: "NOK",
      period_type: tier.periodType ?? "calendar_year",
      tier_order: tier.tierOrder,
      threshold_level: tier.level ?? "custom",
      is_cumulative: tier.isCumulative ?? false,
      is_active: true,
      effective_from: tier.effectiveFrom ?? "2020-01-01T00:00:00Z",
      effective_until: tier.effectiveUntil ?? null,
      notification_enabled: tier.notificationEnabled ?? true,
      created_by: randomUUID(),
    })
    .returning("id");
  return (row as { id: string }).id;
}

/** Blindeforbundet-like: office honorarium at 3, higher rate at 15, per calendar year. */
/** Blindeforbundet's two tiers; returns their configuration ids. */
export async function insertBlindeforbundetTiers(
  db: Knex,
  organizationId: string,
  effectiveFrom = "2020-01-01T00:00:00Z",
): Promise<{ office: string; higher: string }> {
  const office = await insertTier(db, {
    organizationId,
    name: "Kontorhonorar",
    thresholdCount: 3,
    amount: "500.00",
    tierOrder: 1,
    level: "office_honorarium",
    effectiveFrom,
  });
  const higher = await insertTier(db, {
    organizationId,
    name: "Høyere sats",
    thresholdCount: 15,
    amount: "1500.00",
    tierOrder: 2,
    level: "higher_rate",
    effectiveFrom,
  });
  return { office, higher };
}

export async function monthCount(db: Knex, ids: Ids, monthKey: string): Promise<number> {
  const row = await db("mentor_month_counts")
    .where({ organization_id: ids.org, peer_mentor_id: ids.mentor, month_key: monthKey })
    .andWhere((q) => (ids.scope === null ? q.whereNull("scope_id") : q.where("scope_id", ids.scope)))
    .first();
  return (row as { confirmed_count: number } | undefined)?.confirmed_count ?? 0;
}

export function createKafkaFor(services: TestServices): Kafka {
  return createTestKafka(services.kafkaBrokers);
}

import type { AssignmentCancelled, AssignmentConfirmed } from "@honorarium/shared/contracts";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { ChildProcess } from "node:child_process";
import { spawnNode, spawnService } from "@honorarium/shared/testing";
import type { Kafka, Producer } from "kafkajs";
import type { Knex } from "@honorarium/shared/db";
import { thresholdCrossedEventId } from "@honorarium/shared/contracts";
import { type PeriodType, monthKeyOf, periodKeyOfMonth } from "@honorarium/shared/domain";
import { eventTimestamp, insertTier } from "./support.ts";

/**
 * A reproducible stream of confirmations, duplicates and cancellations over several
 * organizations, and its ground truth computed directly from what was produced
 * (independently of the counter's ledger and planning code).
 */

export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuidFrom(text: string): string {
  const hex = createHash("sha1").update(text).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

interface OrgSpec {
  id: string;
  timeZone: string;
  scoped: boolean;
  tiers: { count: number; order: number; periodType: PeriodType }[];
}

export type ConfirmEvent = AssignmentConfirmed;
export type CancelEvent = AssignmentCancelled;

export interface Workload {
  orgs: OrgSpec[];
  /** Cancels produced before their confirmations (tombstones). */
  earlyCancels: CancelEvent[];
  confirms: ConfirmEvent[];
  lateCancels: CancelEvent[];
}

export function generateWorkload(seed: number, distinctConfirms: number, mentors: number, lateCancelCount: number): Workload {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const tag = `${seed}-${Date.now()}`;
  const orgs: OrgSpec[] = [
    {
      id: uuidFrom(`${tag}/org/blind`),
      timeZone: "Europe/Oslo",
      scoped: true,
      tiers: [
        { count: 3, order: 1, periodType: "calendar_year" },
        { count: 15, order: 2, periodType: "calendar_year" },
      ],
    },
    {
      id: uuidFrom(`${tag}/org/half`),
      timeZone: "America/New_York",
      scoped: false,
      tiers: [
        { count: 2, order: 1, periodType: "half_year" },
        { count: 6, order: 2, periodType: "half_year" },
        { count: 4, order: 3, periodType: "quarter" },
      ],
    },
    { id: uuidFrom(`${tag}/org/none`), timeZone: "Europe/Oslo", scoped: true, tiers: [] },
  ];
  const mentorSpecs = Array.from({ length: mentors }, (_, i) => {
    const org = orgs[i % orgs.length] as OrgSpec;
    const scopes = org.scoped ? [uuidFrom(`${tag}/scope/${i % 7}`), uuidFrom(`${tag}/scope/${(i + 3) % 7}`)] : [null];
    return { id: uuidFrom(`${tag}/mentor/${i}`), org, scopes, coordinator: uuidFrom(`${tag}/coord/${i % 20}`) };
  });
  const start = Date.parse("2025-06-01T00:00:00Z");
  const span = Date.parse("2026-11-01T00:00:00Z") - start;
  const distinct: ConfirmEvent[] = [];
  for (let i = 0; i < distinctConfirms; i++) {
    const mentor = pick(mentorSpecs);
    // Minutes near a New Year or month boundary now and then, so local months matter.
    const at =
      random() < 0.05 ? Date.parse("2025-12-31T23:00:00Z") + Math.floor(random() * 7_200_000) : start + Math.floor(random() * span);
    distinct.push({
      eventId: uuidFrom(`${tag}/confirm/${i}`),
      assignmentId: uuidFrom(`${tag}/assignment/${i}`),
      peerMentorId: mentor.id,
      organizationId: mentor.org.id,
      scopeId: pick(mentor.scopes),
      coordinatorId: mentor.coordinator,
      confirmedAt: new Date(at).toISOString(),
    });
  }
  const confirms: ConfirmEvent[] = [];
  for (const event of distinct) {
    confirms.push(event);
    const roll = random();
    if (roll < 0.03) confirms.push(event);
    else if (roll < 0.06) confirms.push({ ...event, eventId: uuidFrom(`${event.eventId}/again`) });
  }
  const cancelOf = (event: ConfirmEvent, suffix: string): CancelEvent => ({
    eventId: uuidFrom(`${event.eventId}/${suffix}`),
    assignmentId: event.assignmentId,
    peerMentorId: event.peerMentorId,
    organizationId: event.organizationId,
    cancelledAt: "2026-11-02T10:00:00Z",
  });
  const earlyCancels = distinct.filter(() => random() < 0.01).map((event) => cancelOf(event, "early"));
  const lateCancels: CancelEvent[] = [];
  for (let i = 0; i < lateCancelCount; i++) {
    const event = pick(distinct);
    lateCancels.push(cancelOf(event, `late-${i}`));
  }
  return { orgs, earlyCancels, confirms, lateCancels };
}

export async function installWorkloadConfig(db: Knex, workload: Workload): Promise<void> {
  for (const org of workload.orgs) {
    await db("organization_settings").insert({ organization_id: org.id, time_zone: org.timeZone });
    for (const tier of org.tiers) {
      await insertTier(db, {
        organizationId: org.id,
        name: `${tier.periodType} ${tier.count}`,
        thresholdCount: tier.count,
        amount: `${tier.count * 100}.00`,
        tierOrder: tier.order,
        periodType: tier.periodType,
      });
    }
  }
}

export interface ExpectedRecord {
  key: string;
  triggerAssignmentId: string;
  needsReview: boolean;
}

export interface GroundTruth {
  counts: Map<string, number>;
  records: Map<string, ExpectedRecord>;
}

const scopeKey = (scope: string | null) => scope ?? "-";

/** What the tables must say after the workload: counters per month, one record per crossing. */
export function groundTruth(workload: Workload, includeLateCancels: boolean): GroundTruth {
  const orgs = new Map(workload.orgs.map((org) => [org.id, org]));
  const tombstoned = new Set(workload.earlyCancels.map((c) => `${c.assignmentId}/${c.peerMentorId}`));
  const cancelled = new Set(includeLateCancels ? workload.lateCancels.map((c) => `${c.assignmentId}/${c.peerMentorId}`) : []);
  const seen = new Set<string>();
  const counts = new Map<string, number>();
  const running = new Map<string, number>();
  const records = new Map<string, ExpectedRecord>();
  const thresholdOf = new Map<string, number>();
  const counted: { event: ConfirmEvent; monthKey: string }[] = [];
  for (const event of workload.confirms) {
    const key = `${event.assignmentId}/${event.peerMentorId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (tombstoned.has(key)) continue;
    const org = orgs.get(event.organizationId) as OrgSpec;
    const monthKey = monthKeyOf(event.confirmedAt, org.timeZone);
    counted.push({ event, monthKey });
    const base = `${event.organizationId}/${scopeKey(event.scopeId)}/${event.peerMentorId}`;
    for (const tier of org.tiers) {
      const periodKey = periodKeyOfMonth(tier.periodType, monthKey);
      const periodRunKey = `${base}/${tier.periodType}/${periodKey}/${tier.order}`;
      const after = (running.get(periodRunKey) ?? 0) + 1;
      running.set(periodRunKey, after);
      if (after === tier.count) {
        records.set(periodRunKey, { key: periodRunKey, triggerAssignmentId: event.assignmentId, needsReview: false });
        thresholdOf.set(periodRunKey, tier.count);
      }
    }
  }
  const finalPeriodCounts = new Map<string, number>();
  for (const { event, monthKey } of counted) {
    if (cancelled.has(`${event.assignmentId}/${event.peerMentorId}`)) continue;
    const base = `${event.organizationId}/${scopeKey(event.scopeId)}/${event.peerMentorId}`;
    counts.set(`${base}/${monthKey}`, (counts.get(`${base}/${monthKey}`) ?? 0) + 1);
    const org = orgs.get(event.organizationId) as OrgSpec;
    for (const tier of org.tiers) {
      const key = `${base}/${tier.periodType}/${periodKeyOfMonth(tier.periodType, monthKey)}/${tier.order}`;
      finalPeriodCounts.set(key, (finalPeriodCounts.get(key) ?? 0) + 1);
    }
  }
  for (const [key, record] of records) {
    record.needsReview = (finalPeriodCounts.get(key) ?? 0) < (thresholdOf.get(key) ?? 0);
  }
  return { counts, records };
}

export interface ActualState {
  counts: Map<string, number>;
  records: Map<string, ExpectedRecord & { id: string }>;
  duplicateRecordKeys: string[];
}

export async function actualState(db: Knex, organizationIds: readonly string[]): Promise<ActualState> {
  const countRows: {
    organization_id: string;
    scope_id: string | null;
    peer_mentor_id: string;
    month_key: string;
    confirmed_count: number;
  }[] = await db("mentor_month_counts").whereIn("organization_id", organizationIds);
  const counts = new Map<string, number>();
  for (const row of countRows) {
    if (row.confirmed_count === 0) continue;
    counts.set(`${row.organization_id}/${scopeKey(row.scope_id)}/${row.peer_mentor_id}/${row.month_key}`, row.confirmed_count);
  }
  const recordRows: {
    id: string;
    organization_id: string;
    scope_id: string | null;
    peer_mentor_id: string;
    period_type: string;
    period_key: string;
    tier_order: number;
    trigger_assignment_id: string;
    needs_review: boolean;
  }[] = await db("honorarium_records").whereIn("organization_id", organizationIds);
  const records = new Map<string, ExpectedRecord & { id: string }>();
  const duplicateRecordKeys: string[] = [];
  for (const row of recordRows) {
    const key = `${row.organization_id}/${scopeKey(row.scope_id)}/${row.peer_mentor_id}/${row.period_type}/${row.period_key}/${row.tier_order}`;
    if (records.has(key)) duplicateRecordKeys.push(key);
    records.set(key, { key, id: row.id, triggerAssignmentId: row.trigger_assignment_id, needsReview: row.needs_review });
  }
  return { counts, records, duplicateRecordKeys };
}

/** Differences between two maps, for readable assertion failures (empty = equal). */
export function mapDifferences<V>(expected: ReadonlyMap<string, V>, actual: ReadonlyMap<string, V>, limit = 10): string[] {
  const problems: string[] = [];
  for (const [key, value] of expected) {
    const got = actual.get(key);
    if (JSON.stringify(got) !== JSON.stringify(value))
      problems.push(`${key}: expected ${JSON.stringify(value)}, got ${JSON.stringify(got)}`);
  }
  for (const key of actual.keys()) if (!expected.has(key)) problems.push(`${key}: unexpected ${JSON.stringify(actual.get(key))}`);
  return problems.slice(0, limit);
}

export function expectedEventIds(records: ReadonlyMap<string, { id: string }>): Set<string> {
  return new Set([...records.values()].map((record) => thresholdCrossedEventId(record.id)));
}

export async function produceInOrder(
  producer: Producer,
  topic: string,
  events: readonly { peerMentorId: string }[],
  chunk = 2000,
): Promise<void> {
  for (let i = 0; i < events.length; i += chunk) {
    await producer.send({
      topic,
      acks: -1,
      messages: events
        .slice(i, i + chunk)
        .map((event) => ({ key: event.peerMentorId, value: JSON.stringify(event), timestamp: eventTimestamp(event) })),
    });
  }
}

const REPLAY = fileURLToPath(new URL("../src/tools/replay.ts", import.meta.url));
const RECONCILE = fileURLToPath(new URL("../src/tools/reconcile.ts", import.meta.url));

export interface CounterProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr: () => string;
  /** SIGTERM once the counter has started (its signal handlers are installed), then its exit code. */
  terminate: () => Promise<number | null>;
}

export function spawnCounter(env: Record<string, string>): CounterProcess {
  // Info level on stdout, read only for "counter started": a SIGTERM before the handlers are
  // installed would end the process by the signal (exit code null) instead of a clean stop.
  const child = spawnService("counter", { env: { ...env, LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const started = new Promise<void>((resolve) => {
    let tail = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4000);
      if (tail.includes('"msg":"counter started"')) resolve();
    });
  });
  const terminate = async () => {
    await Promise.race([started, exited]);
    child.kill("SIGTERM");
    return exited;
  };
  return { child, exited, stderr: () => stderr, terminate };
}

export async function runTool(
  tool: "replay" | "reconcile",
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnNode(tool === "replay" ? REPLAY : RECONCILE, { args, env });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  return { code, stdout, stderr };
}

/** Sum of the group's stored next offsets: grows while the counter applies batches. */
export async function storedProgress(db: Knex, group: string): Promise<number> {
  const rows: { next_offset: number }[] = await db("consumer_offsets").where({ consumer_group: group });
  return rows.reduce((sum, row) => sum + Number(row.next_offset), 0);
}

/** Every eventId on the output topic, read from the beginning. */
export async function readEventIds(
  kafka: Kafka,
  topic: string,
  group: string,
  atLeast: number,
): Promise<{ eventIds: string[]; recordIds: Map<string, string> }> {
  const consumer = kafka.consumer({ groupId: group });
  const eventIds: string[] = [];
  const recordIds = new Map<string, string>();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const event = JSON.parse(message.value?.toString() ?? "{}") as { eventId: string; recordId: string };
      eventIds.push(event.eventId);
      recordIds.set(event.eventId, event.recordId);
    },
  });
  const deadline = Date.now() + 60_000;
  while (new Set(eventIds).size < atLeast && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  // Let anything still in flight arrive.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await consumer.disconnect();
  return { eventIds, recordIds };
}

/**
 * After the run, through public interfaces only: the Kafka topics (input, dead letters, the
 * threshold-crossed contract), the tRPC API and the webhook receiver — compared with the truth.
 */
import type { Kafka } from "kafkajs";
import { SignJWT } from "jose";
import { createPortalClient } from "@honorarium/query-api";
import type { Receiver } from "./services.ts";
import {
  type ExpectedCrossing,
  type OrgSpec,
  type Stream,
  type Truth,
  crossingKey,
  localDate,
  owedNotYetPaid,
  periodOfMonth,
} from "./workload.ts";

export interface TopicMessage {
  partition: number;
  offset: string;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Every message of a topic from the beginning up to the high watermarks read at the start. */
export async function readTopic(kafka: Kafka, topic: string, groupId: string): Promise<TopicMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic).catch(() => []);
  await admin.disconnect();
  const remaining = new Map(offsets.filter((o) => Number(o.high) > Number(o.low)).map((o) => [o.partition, Number(o.high)]));
  const messages: TopicMessage[] = [];
  if (remaining.size === 0) return messages;
  const consumer = kafka.consumer({ groupId, maxBytesPerPartition: 4 << 20 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const high = remaining.get(batch.partition);
      for (const message of batch.messages) {
        if (high !== undefined && Number(message.offset) >= high) continue;
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value);
        messages.push({ partition: batch.partition, offset: message.offset, value: message.value, headers });
      }
      const last = batch.messages[batch.messages.length - 1];
      if (high !== undefined && last !== undefined && Number(last.offset) + 1 >= high) remaining.delete(batch.partition);
      if (remaining.size === 0) done();
    },
  });
  await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 180_000))]);
  await consumer.disconnect();
  if (remaining.size > 0) throw new Error(`could not read ${topic} to its end`);
  return messages;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Our own reading of "a valid assignment event" (not the contracts' zod), to count the poison that really went in. */
export function looksValid(value: Buffer | null, kind: "confirm" | "cancel"): boolean {
  if (value === null || value.length === 0) return false;
  let json: unknown;
  try {
    json = JSON.parse(value.toString("utf8"));
  } catch {
    return false;
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return false;
  const event = json as Record<string, unknown>;
  const ids =
    kind === "confirm"
      ? ["eventId", "assignmentId", "peerMentorId", "organizationId", "coordinatorId"]
      : ["eventId", "assignmentId", "peerMentorId", "organizationId"];
  if (!ids.every((field) => typeof event[field] === "string" && UUID.test(event[field] as string))) return false;
  const at = event[kind === "confirm" ? "confirmedAt" : "cancelledAt"];
  return typeof at === "string" && !Number.isNaN(Date.parse(at));
}

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

export interface CheckContext {
  kafka: Kafka;
  stream: Stream;
  truth: Truth;
  receiver: Receiver;
  apiUrl: string;
  jwtSecret: string;
  /** produce time (ms) of each assignment's first confirmation. */
  producedAt: Map<string, number>;
  /** Whether to ask the API for every mentor or a sample. */
  mentorSample: number | "all";
  topics: { confirmed: string; cancelled: string; crossed: string };
  /** The services' clock (epoch ms) while the checks run: the API reports the periods current at it. */
  now: number;
}

export interface CheckOutput {
  results: CheckResult[];
  /** Per delivered crossing: receipt time and latency from recorded_at and from the trigger's produce time. */
  latencies: { receivedAt: number; fromRecordedMs: number; fromProducedMs: number | null }[];
  webhookRepeats: number;
  webhookPosts: number;
  deadLetterRepeats: number;
  republishedCrossings: number;
  mentorsChecked: number;
}

async function pool<T>(items: readonly T[], workers: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await work(item);
      }
    }),
  );
}

export async function runChecks(ctx: CheckContext): Promise<CheckOutput> {
  const results: CheckResult[] = [];
  const check = (name: string, problems: string[], okDetail: string) => {
    results.push({
      name,
      ok: problems.length === 0,
      detail: problems.length === 0 ? okDetail : `${problems.length} problem(s): ${problems.slice(0, 5).join("; ")}`,
    });
  };
  const orgById = new Map(ctx.stream.orgs.map((org) => [org.id, org]));
  const tierOrderOf = (org: OrgSpec | undefined, periodType: string, count: number) =>
    org?.tiers.find((t) => t.periodType === periodType && t.count === count)?.order ?? -1;

  // --- Kafka in: poison that really reached the input topics; dead letters out.
  const tag = `e2e-check-${Date.now()}`;
  const poisonIn: Record<string, number> = {};
  const deadLetters: Record<string, { raw: number; distinct: number }> = {};
  for (const [kind, topic] of [
    ["confirm", ctx.topics.confirmed],
    ["cancel", ctx.topics.cancelled],
  ] as const) {
    const input = await readTopic(ctx.kafka, topic, `${tag}-${kind}`);
    poisonIn[topic] = input.filter((m) => !looksValid(m.value, kind)).length;
    const dlq = await readTopic(ctx.kafka, `${topic}.dlq`, `${tag}-${kind}-dlq`);
    const sources = new Set(
      dlq.map((m) => `${m.headers["dlq-source-topic"]}/${m.headers["dlq-source-partition"]}/${m.headers["dlq-source-offset"]}`),
    );
    deadLetters[topic] = { raw: dlq.length, distinct: sources.size };
  }
  const poisonSent = ctx.stream.stats.poison ?? 0;
  const poisonFound = Object.values(poisonIn).reduce((a, b) => a + b, 0);
  const dlqDistinct = Object.values(deadLetters).reduce((a, b) => a + b.distinct, 0);
  const dlqRaw = Object.values(deadLetters).reduce((a, b) => a + b.raw, 0);
  check(
    "dead letters = poison sent",
    [
      ...(poisonFound !== poisonSent ? [`poison in the input topics ${poisonFound}, produced ${poisonSent}`] : []),
      ...Object.entries(deadLetters)
        .filter(([topic, d]) => d.distinct !== poisonIn[topic])
        .map(([topic, d]) => `${topic}.dlq has ${d.distinct} distinct dead letters, ${poisonIn[topic]} poison in ${topic}`),
    ],
    `${poisonSent} poison produced, ${poisonFound} in the input topics, ${dlqDistinct} distinct dead letters (${dlqRaw} messages on the .dlq topics)`,
  );

  // --- The threshold-crossed contract topic: every crossing once, with its trigger.
  const crossed = await readTopic(ctx.kafka, ctx.topics.crossed, `${tag}-crossed`);
  const byEventId = new Map<string, Record<string, unknown>>();
  for (const message of crossed) {
    const event = JSON.parse(message.value?.toString("utf8") ?? "{}") as Record<string, unknown>;
    byEventId.set(String(event.eventId), event);
  }
  const topicByKey = new Map<string, Record<string, unknown>[]>();
  for (const event of byEventId.values()) {
    const org = orgById.get(String(event.organizationId));
    const key = crossingKey(
      String(event.organizationId),
      (event.scopeId as string | null) ?? null,
      String(event.peerMentorId),
      String(event.periodType),
      String(event.periodKey),
      tierOrderOf(org, String(event.periodType), Number(event.thresholdCount)),
    );
    topicByKey.set(key, [...(topicByKey.get(key) ?? []), event]);
  }
  {
    const problems: string[] = [];
    for (const [key, expected] of ctx.truth.crossings) {
      const events = topicByKey.get(key);
      if (events === undefined) {
        problems.push(`missing ${key}`);
        continue;
      }
      if (new Set(events.map((e) => e.recordId)).size > 1) problems.push(`duplicated crossing ${key} (${events.length} records)`);
      const event = events[0] as Record<string, unknown>;
      if (event.triggerAssignmentId !== expected.triggerAssignmentId)
        problems.push(`${key}: trigger ${String(event.triggerAssignmentId)}, expected ${expected.triggerAssignmentId}`);
      if (Number(event.assignmentCount) !== expected.thresholdCount)
        problems.push(`${key}: assignmentCount ${String(event.assignmentCount)}`);
      if (Number(event.honorariumAmount) !== Number(expected.amount)) problems.push(`${key}: amount ${String(event.honorariumAmount)}`);
      if (Date.parse(String(event.reachedAt)) !== Date.parse(expected.reachedAt))
        problems.push(`${key}: reachedAt ${String(event.reachedAt)}`);
    }
    for (const key of topicByKey.keys()) if (!ctx.truth.crossings.has(key)) problems.push(`unexpected crossing ${key}`);
    check(
      `crossings on ${ctx.topics.crossed} (trigger, count, amount, reachedAt)`,
      problems,
      `${ctx.truth.crossings.size} expected, ${byEventId.size} distinct events (${crossed.length} messages: ${crossed.length - byEventId.size} re-published copies)`,
    );
  }

  // --- The tRPC API: counts.forMentor and milestones.history per mentor, bufdir.aggregate per organization and year.
  const secret = new TextEncoder().encode(ctx.jwtSecret);
  const clients = new Map<string, ReturnType<typeof createPortalClient>>();
  for (const org of ctx.stream.orgs) {
    const token = await new SignJWT({ org: org.id, roles: ["org_admin"], scopes: [] })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(org.adminId)
      .setIssuer("honorarium-tracker-auth")
      .setAudience("honorarium-tracker-api")
      .setIssuedAt()
      .setExpirationTime("2h")
      .sign(secret);
    clients.set(org.id, createPortalClient({ url: ctx.apiUrl, token }));
  }
  const expectedByMentor = new Map<string, ExpectedCrossing[]>();
  for (const c of ctx.truth.crossings.values()) expectedByMentor.set(c.peerMentorId, [...(expectedByMentor.get(c.peerMentorId) ?? []), c]);
  const countsByMentor = new Map<string, Map<string, number>>();
  for (const [key, n] of ctx.truth.monthCounts) {
    const [, scope, mentor, month] = key.split("|") as [string, string, string, string];
    const m = countsByMentor.get(mentor) ?? new Map<string, number>();
    m.set(`${scope}|${month}`, (m.get(`${scope}|${month}`) ?? 0) + n);
    countsByMentor.set(mentor, m);
  }
  let mentors = ctx.stream.mentors;
  if (ctx.mentorSample !== "all" && ctx.mentorSample < mentors.length) {
    mentors = [...mentors].sort((a, b) => a.id.localeCompare(b.id)).slice(0, ctx.mentorSample);
  }
  const now = new Date(ctx.now);
  const countProblems: string[] = [];
  const payableProblems: string[] = [];
  const historyProblems: string[] = [];
  const recordedAt = new Map<string, number>();
  await pool(mentors, 8, async (mentor) => {
    const client = clients.get(mentor.org.id);
    if (client === undefined) return;
    const [counts, history] = await Promise.all([
      client.counts.forMentor.query({ peerMentorId: mentor.id }),
      client.milestones.history.query({ peerMentorId: mentor.id }),
    ]);
    const month = localDate(now.toISOString(), mentor.org.timeZone).slice(0, 7);
    const year = month.slice(0, 4);
    const truth = countsByMentor.get(mentor.id) ?? new Map<string, number>();
    const sumWhere = (scope: string, pred: (m: string) => boolean) => {
      let n = 0;
      for (const [key, value] of truth) {
        const [s, m] = key.split("|") as [string, string];
        if (s === scope && pred(m)) n += value;
      }
      return n;
    };
    const seenScopes = new Set<string>();
    for (const scope of counts.scopes) {
      const scopeKey = scope.scopeId ?? "-";
      seenScopes.add(scopeKey);
      for (const period of scope.periods) {
        const expected = sumWhere(
          scopeKey,
          (m) => m.startsWith(year) && periodOfMonth(period.periodType as "quarter", m) === period.periodKey,
        );
        if (period.periodKey !== periodOfMonth(period.periodType as "quarter", month))
          countProblems.push(`${mentor.id}: period ${period.periodKey} is not the current one`);
        if (period.count !== expected)
          countProblems.push(`${mentor.id} ${scopeKey} ${period.periodKey}: ${period.count}, expected ${expected}`);
      }
    }
    for (const key of truth.keys()) {
      const [scope, m] = key.split("|") as [string, string];
      if (m.startsWith(year) && !seenScopes.has(scope) && (truth.get(key) ?? 0) > 0)
        countProblems.push(`${mentor.id}: scope ${scope} missing`);
    }
    const thisYear = [...truth.entries()].filter(([k]) => k.split("|")[1]?.startsWith(year)).reduce((a, [, v]) => a + v, 0);
    if (counts.confirmedThisYear !== thisYear)
      countProblems.push(`${mentor.id}: confirmedThisYear ${counts.confirmedThisYear}, expected ${thisYear}`);
    const expectedCrossings = expectedByMentor.get(mentor.id) ?? [];
    const payable = owedNotYetPaid(expectedCrossings);
    if (Math.round(Number(counts.taxFree.honorariumYearToDate) * 100) !== payable)
      payableProblems.push(
        `${mentor.id}: honorariumYearToDate ${counts.taxFree.honorariumYearToDate}, expected ${(payable / 100).toFixed(2)}`,
      );
    const got = new Map<string, (typeof history.milestones)[number]>();
    for (const milestone of history.milestones) {
      const key = crossingKey(
        mentor.org.id,
        milestone.scopeId,
        mentor.id,
        milestone.periodType,
        milestone.periodKey,
        tierOrderOf(mentor.org, milestone.periodType, milestone.thresholdCount),
      );
      if (got.has(key)) historyProblems.push(`duplicated ${key}`);
      got.set(key, milestone);
      recordedAt.set(milestone.recordId, Date.parse(milestone.recordedAt));
    }
    for (const expected of expectedCrossings) {
      const milestone = got.get(expected.key);
      if (milestone === undefined) historyProblems.push(`missing ${expected.key}`);
      else {
        if (milestone.needsReview !== expected.needsReview) historyProblems.push(`${expected.key}: needsReview ${milestone.needsReview}`);
        if (Number(milestone.honorariumRate) !== Number(expected.amount))
          historyProblems.push(`${expected.key}: rate ${milestone.honorariumRate}`);
        if (Math.round(Number(milestone.amountDue) * 100) !== expected.amountDueCents)
          historyProblems.push(`${expected.key}: amountDue ${milestone.amountDue}, expected ${(expected.amountDueCents / 100).toFixed(2)}`);
      }
    }
    for (const key of got.keys()) if (!ctx.truth.crossings.has(key)) historyProblems.push(`unexpected ${key}`);
  });
  const mentorsLabel =
    mentors.length === ctx.stream.mentors.length
      ? `all ${mentors.length} mentors`
      : `${mentors.length} of ${ctx.stream.mentors.length} mentors (sample)`;
  check("counts.forMentor: current-period counts per scope and confirmedThisYear", countProblems, mentorsLabel);
  check("counts.forMentor: honorarium toward this year's tax-free limit (taxFree.honorariumYearToDate)", payableProblems, mentorsLabel);
  const flagged = [...ctx.truth.crossings.values()].filter((c) => c.needsReview).length;
  check(
    "milestones.history: every crossing once, rate, amount due, needsReview",
    historyProblems,
    `${mentorsLabel}; ${ctx.truth.crossings.size} crossings, ${flagged} flagged for review after cancellations`,
  );

  const bufdirProblems: string[] = [];
  for (const org of ctx.stream.orgs) {
    const client = clients.get(org.id);
    if (client === undefined) continue;
    for (const year of ctx.stream.calendar.years) {
      const report = await client.bufdir.aggregate.query({ year });
      const truth = ctx.truth.bufdir.get(`${org.id}|${year}`);
      const label = `${org.key} ${year}`;
      const expect = (what: string, got: number | string, want: number | string) => {
        if (String(got) !== String(want)) bufdirProblems.push(`${label} ${what}: ${got}, expected ${want}`);
      };
      expect("confirmedAssignments", report.totals.confirmedAssignments, truth?.confirmed ?? 0);
      expect("activePeerMentors", report.totals.activePeerMentors, truth?.activeMentors ?? 0);
      expect("activityDays", report.totals.activityDays, truth?.activityDays ?? 0);
      expect("cancelledAssignments", report.totals.cancelledAssignments, truth?.cancelled ?? 0);
      for (const m of report.byMonth) expect(`month ${m.month}`, m.confirmedAssignments, truth?.byMonth.get(m.month) ?? 0);
      for (const s of report.byScope)
        expect(`scope ${s.scopeId ?? "-"}`, s.confirmedAssignments, truth?.byScope.get(s.scopeId ?? "-") ?? 0);
      let crossings = 0;
      for (const tier of report.byTier) {
        const want = truth?.tiers.get(tier.tierName);
        expect(`tier ${tier.tierName} crossings`, tier.crossings, want?.crossings ?? 0);
        expect(`tier ${tier.tierName} honorariumTotal`, Math.round(Number(tier.honorariumTotal) * 100), want?.total ?? 0);
        crossings += tier.crossings;
      }
      const wantCrossings = [...(truth?.tiers.values() ?? [])].reduce((a, t) => a + t.crossings, 0);
      expect("crossings", crossings, wantCrossings);
    }
  }
  check(
    `bufdir.aggregate: totals, months, scopes, tiers and honorarium totals (${ctx.stream.orgs.length} organizations × ${ctx.stream.calendar.years.join(", ")})`,
    bufdirProblems,
    `${ctx.stream.orgs.length * ctx.stream.calendar.years.length} reports`,
  );

  // --- The coordinators' webhook receiver: every crossing notified; repeats counted by webhook-id.
  const receipts = ctx.receiver.receipts;
  const firstByRecord = new Map<string, number>();
  const idsByRecord = new Map<string, Set<string>>();
  for (const r of receipts) {
    if (!firstByRecord.has(r.recordId) || (firstByRecord.get(r.recordId) ?? 0) > r.at) firstByRecord.set(r.recordId, r.at);
    const ids = idsByRecord.get(r.recordId) ?? new Set<string>();
    ids.add(r.webhookId);
    idsByRecord.set(r.recordId, ids);
  }
  const distinctWebhookIds = new Set(receipts.map((r) => r.webhookId)).size;
  const recordOfKey = new Map<string, string>();
  for (const [key, events] of topicByKey) recordOfKey.set(key, String(events[0]?.recordId));
  const webhookProblems: string[] = [];
  const latencies: CheckOutput["latencies"] = [];
  for (const [key, expected] of ctx.truth.crossings) {
    const recordId = recordOfKey.get(key);
    const at = recordId === undefined ? undefined : firstByRecord.get(recordId);
    if (recordId === undefined || at === undefined) {
      webhookProblems.push(`not notified: ${key}`);
      continue;
    }
    if ((idsByRecord.get(recordId)?.size ?? 0) > 1)
      webhookProblems.push(`${key}: ${idsByRecord.get(recordId)?.size} different webhook-ids`);
    const recorded = recordedAt.get(recordId);
    const produced = ctx.producedAt.get(expected.triggerAssignmentId);
    if (recorded !== undefined)
      latencies.push({ receivedAt: at, fromRecordedMs: at - recorded, fromProducedMs: produced === undefined ? null : at - produced });
  }
  const expectedRecords = new Set(recordOfKey.values());
  for (const recordId of firstByRecord.keys())
    if (!expectedRecords.has(recordId)) webhookProblems.push(`unexpected webhook for record ${recordId}`);
  if (ctx.receiver.badSignatures() > 0) webhookProblems.push(`${ctx.receiver.badSignatures()} webhooks with a bad signature`);
  check(
    "webhooks: every crossing notified to its coordinator (signature verified)",
    webhookProblems,
    `${firstByRecord.size} crossings notified; ${receipts.length} POSTs, ${distinctWebhookIds} distinct webhook-ids, ${receipts.length - distinctWebhookIds} repeats`,
  );
  return {
    results,
    latencies,
    webhookRepeats: receipts.length - distinctWebhookIds,
    webhookPosts: receipts.length,
    deadLetterRepeats: dlqRaw - dlqDistinct,
    republishedCrossings: crossed.length - byEventId.size,
    mentorsChecked: mentors.length,
  };
}

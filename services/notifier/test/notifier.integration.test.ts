import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Kafka } from "kafkajs";
import { Webhook } from "standardwebhooks";
import { DEAD_LETTER_HEADERS, deadLetterTopicOf } from "@honorarium/shared/contracts";
import { createTestDatabase, createTestKafka, eventually, type TestDatabase, uniqueName } from "@honorarium/shared/testing";
import { createNotifier, type Notifier } from "../src/main.ts";
import type { NotifierConfig } from "../src/config.ts";
import { EARLY_LADDER_CAPS_MS } from "../src/domain/retry-policy.ts";
import { createLogger } from "@honorarium/shared";
import { createMetricsRegistry } from "@honorarium/shared/infra";
import { createNotifierMetrics } from "../src/metrics.ts";
import { runReminderPass } from "../src/use-cases/schedule-reminders.ts";
import {
  addWebhook,
  asMessages,
  insertCrossingRecord,
  makeCrossing,
  type MockPushService,
  publish,
  startMockPushService,
  startWebhookReceiver,
  testConfig,
  vapidKeys,
  WEBHOOK_SECRET,
  type WebhookReceiver,
} from "./helpers.ts";

interface JobRow {
  id: string;
  recipient_id: string;
  recipient_role: string;
  channel: string;
  status: string;
  attempt_count: number;
  last_error: string | null;
}

describe("the notifier (one instance)", () => {
  const services = inject("testServices");
  let database: TestDatabase;
  let kafka: Kafka;
  let receiver: WebhookReceiver;
  let push: MockPushService;
  let config: NotifierConfig;
  let notifier: Notifier;
  let httpPort: number;

  beforeAll(async () => {
    database = await createTestDatabase(services.databaseUrl);
    kafka = createTestKafka(services.kafkaBrokers);
    receiver = await startWebhookReceiver((path, attempt) => {
      if (path.startsWith("/flaky")) return attempt <= 2 ? 503 : 204;
      if (path.startsWith("/bad-request")) return 400;
      if (path.startsWith("/gone")) return 410;
      if (path.startsWith("/down")) return 503;
      return 204;
    });
    push = await startMockPushService();
    config = testConfig(services, database.url, { vapid: vapidKeys(), maxAttempts: 3 });
    notifier = createNotifier(config);
    ({ httpPort } = await notifier.start());
  });

  afterAll(async () => {
    await notifier?.stop();
    await receiver?.close();
    await push?.close();
    await database?.drop();
  });

  const jobsOf = (eventId: string): Promise<JobRow[]> =>
    database.db("notification_jobs").where("event_id", eventId).orderBy(["recipient_role", "channel"]);

  async function settledJobs(eventId: string, expected: number): Promise<JobRow[]> {
    return eventually(
      async () => {
        const jobs = await jobsOf(eventId);
        return jobs.length === expected && jobs.every((job) => job.status !== "pending") ? jobs : undefined;
      },
      60_000,
      `${expected} settled jobs of ${eventId}`,
    );
  }

  async function subscribe(organizationId: string, userId: string) {
    const subscription = await push.subscribe(config.vapid?.publicKey ?? "");
    await database.db("push_subscriptions").insert({
      organization_id: organizationId,
      user_id: userId,
      endpoint: subscription.endpoint,
      p256dh: subscription.p256dh,
      auth: subscription.auth,
    });
    return subscription;
  }

  it("turns the same event published three times into one delivery per recipient and channel", async () => {
    const event = makeCrossing({ notifyMentor: true });
    await addWebhook(database.db, event.organizationId, receiver.url(`/ok/${event.organizationId}`));
    await insertCrossingRecord(database.db, event);
    const coordinatorDevice = await subscribe(event.organizationId, event.coordinatorId);
    const mentorDevice = await subscribe(event.organizationId, event.peerMentorId);

    await publish(kafka, config.inputTopic, asMessages([event, event]));
    await publish(kafka, config.inputTopic, asMessages([event]));

    const jobs = await settledJobs(event.eventId, 5);
    expect(jobs.map((job) => `${job.recipient_role}:${job.channel}:${job.status}`)).toEqual([
      "coordinator:in_app:delivered",
      "coordinator:web_push:delivered",
      "coordinator:webhook:delivered",
      "peer_mentor:in_app:delivered",
      "peer_mentor:web_push:delivered",
    ]);
    // Give the third copy time to be applied: the offsets row moves past all three messages.
    await eventually(async () => {
      const rows: { next_offset: number }[] = await database.db("consumer_offsets").where({ consumer_group: config.consumerGroup });
      return rows.reduce((sum, row) => sum + Number(row.next_offset), 0) >= 3 ? true : undefined;
    });
    expect(await jobsOf(event.eventId)).toHaveLength(5);

    const webhookJob = jobs.find((job) => job.channel === "webhook");
    const hooks = receiver.received.filter((request) => request.path === `/ok/${event.organizationId}`);
    expect(hooks.map((request) => request.headers["webhook-id"])).toEqual([webhookJob?.id]);
    expect(push.messages(coordinatorDevice.clientHash)).toHaveLength(1);
    expect(push.messages(mentorDevice.clientHash)).toHaveLength(1);
    const pushed = JSON.parse(push.messages(coordinatorDevice.clientHash)[0] ?? "{}");
    expect(pushed).toMatchObject({
      type: "honorarium.threshold_crossed",
      deepLink: `https://portal.example/mentors/${event.peerMentorId}/counts?highlight=${event.recordId}`,
    });

    const feed = await database.db("in_app_notifications").whereIn("recipient_id", [event.coordinatorId, event.peerMentorId]);
    expect(feed).toHaveLength(2);
    expect(feed.every((row) => row.read_at === null && row.deep_link === pushed.deepLink)).toBe(true);

    const record = await database.db("honorarium_records").where("id", event.recordId).first();
    expect(record.coordinator_notified).toBe(true);
    expect(record.coordinator_notified_at).toBeInstanceOf(Date);
  });

  it("signs webhooks per Standard Webhooks: the reference library verifies them, and a tampered body fails", async () => {
    const event = makeCrossing();
    await addWebhook(database.db, event.organizationId, receiver.url(`/ok/signed/${event.organizationId}`));
    await publish(kafka, config.inputTopic, asMessages([event]));
    await settledJobs(event.eventId, 2);
    const request = receiver.received.find((entry) => entry.path === `/ok/signed/${event.organizationId}`);
    if (request === undefined) throw new Error("the receiver saw no webhook");
    const verified = new Webhook(WEBHOOK_SECRET).verify(request.body, request.headers) as { type: string; data: Record<string, unknown> };
    expect(verified.type).toBe("honorarium.threshold_crossed");
    expect(verified.data).toMatchObject({
      peerMentorId: event.peerMentorId,
      tierName: event.tierName,
      thresholdCount: 3,
      assignmentCount: 3,
      honorariumAmount: "500.00",
      deepLink: `https://portal.example/mentors/${event.peerMentorId}/counts?highlight=${event.recordId}`,
    });
    const tampered = request.body.replace('"500.00"', '"5000.00"');
    expect(tampered).not.toBe(request.body);
    expect(() => new Webhook(WEBHOOK_SECRET).verify(tampered, request.headers)).toThrow();
  });

  it("sends invalid events to the dead-letter topic with the original bytes and a reason, and keeps the partition moving", async () => {
    const valid = makeCrossing();
    const key = valid.peerMentorId;
    const notJson = Buffer.from("{not json");
    const broken = JSON.stringify({ ...makeCrossing(), recordId: "not-a-uuid" });
    await publish(kafka, config.inputTopic, [
      { key, value: notJson },
      { key, value: broken },
      { key, value: JSON.stringify(valid) },
    ]);
    await settledJobs(valid.eventId, 1);

    const letters: { value: string; headers: Record<string, string> }[] = [];
    const consumer = kafka.consumer({ groupId: uniqueName("dlq-reader") });
    await consumer.connect();
    await consumer.subscribe({ topic: deadLetterTopicOf(config.inputTopic), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]));
        letters.push({ value: message.value?.toString("utf8") ?? "", headers });
      },
    });
    try {
      await eventually(async () => (letters.length >= 2 ? true : undefined), 30_000, "two dead letters");
    } finally {
      await consumer.disconnect();
    }
    expect(letters.map((letter) => letter.value).sort()).toEqual([broken, notJson.toString("utf8")].sort());
    const byCode = new Map(letters.map((letter) => [letter.headers[DEAD_LETTER_HEADERS.errorCode], letter.headers]));
    expect(byCode.get("not_json")?.[DEAD_LETTER_HEADERS.reason]).toMatch(/^not valid JSON: /);
    expect(byCode.get("schema")?.[DEAD_LETTER_HEADERS.reason]).toMatch(/^recordId: /);
    expect(byCode.get("schema")?.[DEAD_LETTER_HEADERS.sourceTopic]).toBe(config.inputTopic);
  });

  it("applies a batch the database refuses one message at a time and dead-letters only the refused one, headers kept", async () => {
    // A check constraint stands in for data valid by the input rules that Postgres still refuses.
    const refusedOrganization = randomUUID();
    // DDL takes no bind parameters; the id is a UUID the test made.
    await database.db.raw(
      `alter table notification_jobs add constraint test_refused_organization check (organization_id <> '${refusedOrganization}'::uuid)`,
    );
    const before = makeCrossing();
    const refused = makeCrossing({ organizationId: refusedOrganization });
    const after = makeCrossing();
    const key = before.peerMentorId;
    await publish(kafka, config.inputTopic, [
      { key, value: JSON.stringify(before) },
      { key, value: JSON.stringify(refused), headers: { "x-request-id": "refused-1" } },
      { key, value: JSON.stringify(after) },
    ]);
    await settledJobs(before.eventId, 1);
    await settledJobs(after.eventId, 1);
    expect(await jobsOf(refused.eventId)).toEqual([]);

    const letters: { value: string; headers: Record<string, string> }[] = [];
    const consumer = kafka.consumer({ groupId: uniqueName("dlq-reader") });
    await consumer.connect();
    await consumer.subscribe({ topic: deadLetterTopicOf(config.inputTopic), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]));
        letters.push({ value: message.value?.toString("utf8") ?? "", headers });
      },
    });
    try {
      const letter = await eventually(
        async () => letters.find((candidate) => candidate.value === JSON.stringify(refused)),
        30_000,
        "the refused event's dead letter",
      );
      expect(letter.headers[DEAD_LETTER_HEADERS.errorCode]).toBe("rejected");
      expect(letter.headers[DEAD_LETTER_HEADERS.reason]).toMatch(/refused.*test_refused_organization/);
      expect(letter.headers["x-request-id"]).toBe("refused-1");
    } finally {
      await consumer.disconnect();
      await database.db.raw(`alter table notification_jobs drop constraint test_refused_organization`);
    }
  });

  it("delivers once, on the early retry ladder, to a receiver that fails twice and then succeeds", async () => {
    const event = makeCrossing();
    const path = `/flaky/${event.organizationId}`;
    await addWebhook(database.db, event.organizationId, receiver.url(path));
    await insertCrossingRecord(database.db, event);
    await publish(kafka, config.inputTopic, asMessages([event]));
    const jobs = await settledJobs(event.eventId, 2);
    const webhookJob = jobs.find((job) => job.channel === "webhook");
    expect(webhookJob).toMatchObject({ status: "delivered", attempt_count: 3 });

    const requests = receiver.received.filter((request) => request.path === path);
    expect(requests.map((request) => request.status)).toEqual([503, 503, 204]);
    expect(new Set(requests.map((request) => request.headers["webhook-id"]))).toEqual(new Set([webhookJob?.id]));
    const attempts: { attempt_number: number; outcome: string; http_status: number; retry_in_ms: number | null }[] = await database
      .db("notification_attempts")
      .where("job_id", webhookJob?.id)
      .orderBy("attempt_number");
    expect(attempts.map((attempt) => [attempt.attempt_number, attempt.outcome, attempt.http_status])).toEqual([
      [1, "retryable_error", 503],
      [2, "retryable_error", 503],
      [3, "delivered", 204],
    ]);
    // Each retry was scheduled from the early ladder (full jitter under 1 s, then 2 s caps), not the
    // slow one (30 s and up); the delivered attempt scheduled none.
    const [first, second] = EARLY_LADDER_CAPS_MS;
    expect(attempts[0]?.retry_in_ms).toBeGreaterThanOrEqual(0);
    expect(attempts[0]?.retry_in_ms).toBeLessThanOrEqual(first);
    expect(attempts[1]?.retry_in_ms).toBeGreaterThanOrEqual(0);
    expect(attempts[1]?.retry_in_ms).toBeLessThanOrEqual(second);
    expect(attempts[2]?.retry_in_ms).toBeNull();
    const record = await database.db("honorarium_records").where("id", event.recordId).first();
    expect(record.coordinator_notified).toBe(true);
  });

  it("does not retry a webhook answered 400 or 410, and leaves coordinator_notified false", async () => {
    for (const path of ["/bad-request", "/gone"]) {
      const event = makeCrossing();
      await addWebhook(database.db, event.organizationId, receiver.url(`${path}/${event.organizationId}`));
      await insertCrossingRecord(database.db, event);
      await publish(kafka, config.inputTopic, asMessages([event]));
      const jobs = await settledJobs(event.eventId, 2);
      expect(jobs.find((job) => job.channel === "webhook")).toMatchObject({ status: "failed", attempt_count: 1 });
      expect(receiver.received.filter((request) => request.path === `${path}/${event.organizationId}`)).toHaveLength(1);
      const record = await database.db("honorarium_records").where("id", event.recordId).first();
      expect(record).toMatchObject({ coordinator_notified: false, coordinator_notified_at: null });
    }
  });

  it("drops a push subscription the push service reports gone (410), without a retry", async () => {
    const event = makeCrossing();
    const device = await subscribe(event.organizationId, event.coordinatorId);
    push.expire(device.clientHash);
    await publish(kafka, config.inputTopic, asMessages([event]));
    const jobs = await settledJobs(event.eventId, 2);
    expect(jobs.find((job) => job.channel === "web_push")).toMatchObject({ status: "failed", attempt_count: 1, last_error: "HTTP 410" });
    expect(await database.db("push_subscriptions").where("user_id", event.coordinatorId)).toHaveLength(0);
  });

  it("marks a job failed when the retries are used up", async () => {
    const event = makeCrossing();
    await addWebhook(database.db, event.organizationId, receiver.url(`/down/${event.organizationId}`));
    await publish(kafka, config.inputTopic, asMessages([event]));
    const jobs = await settledJobs(event.eventId, 2);
    const job = jobs.find((entry) => entry.channel === "webhook");
    expect(job).toMatchObject({ status: "failed", attempt_count: config.maxAttempts, last_error: "HTTP 503" });
    expect(receiver.received.filter((request) => request.path === `/down/${event.organizationId}`)).toHaveLength(config.maxAttempts);
  });

  it("refuses webhook targets on private or link-local addresses and plain http (SSRF guard)", async () => {
    for (const url of ["https://169.254.169.254/latest/meta-data", "https://10.0.0.1/hook", "http://hooks.example.com/hook"]) {
      const event = makeCrossing();
      await addWebhook(database.db, event.organizationId, url);
      await publish(kafka, config.inputTopic, asMessages([event]));
      const jobs = await settledJobs(event.eventId, 2);
      const job = jobs.find((entry) => entry.channel === "webhook");
      expect(job?.status).toBe("failed");
      expect(job?.attempt_count).toBe(1);
      expect(job?.last_error).toMatch(/^target rejected/);
    }
  });

  it("serves /healthz, /readyz and delivery metrics", async () => {
    expect((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    expect(metrics).toMatch(/notifier_delivery_latency_seconds_count\{[^}]*channel="webhook"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/notifier_sends_total\{[^}]*channel="webhook"[^}]*outcome="retryable_error"[^}]*\} [1-9]/);
    expect(metrics).toContain("notifier_retry_queue_depth");
    expect(metrics).toContain("notifier_deliveries_over_60s_total");
    expect(metrics).not.toContain(WEBHOOK_SECRET.slice(6));
  });

  it("ignores an event whose organization has no webhook and coordinator no device: in-app only, notified at once", async () => {
    const event = makeCrossing({ coordinatorId: randomUUID() });
    await insertCrossingRecord(database.db, event);
    await publish(kafka, config.inputTopic, asMessages([event]));
    const jobs = await settledJobs(event.eventId, 1);
    expect(jobs[0]).toMatchObject({ channel: "in_app", status: "delivered" });
    const record = await database.db("honorarium_records").where("id", event.recordId).first();
    expect(record.coordinator_notified).toBe(true);
  });

  it("pushes a delivery reminder to the peer mentor's device and feed", async () => {
    const organizationId = randomUUID();
    const peerMentorId = randomUUID();
    const device = await subscribe(organizationId, peerMentorId);
    const assignmentId = randomUUID();
    await database.db("assignment_deliveries").insert({
      organization_id: organizationId,
      assignment_id: assignmentId,
      peer_mentor_id: peerMentorId,
      coordinator_id: randomUUID(),
      accounting_period: "2026-H1",
      delivery_sequence_number: 1,
      honorarium_tier: "none",
      read_receipt_required: true,
      delivery_method: "push",
      delivery_status: "delivered",
      delivered_at: new Date(Date.now() - 11 * 24 * 60 * 60 * 1000),
    });
    const created = await runReminderPass({
      db: database.db,
      afterDays: 10,
      digestHour: 7,
      webPushEnabled: true,
      deepLinkBaseUrl: config.deepLinkBaseUrl,
      metrics: createNotifierMetrics(createMetricsRegistry("reminder-test"), async () => ({ pending: 0, retrying: 0 })),
      logger: createLogger("reminder-test", "silent"),
    });
    expect(created).toBe(1);
    await eventually(async () => (push.messages(device.clientHash).length === 1 ? true : undefined), 30_000, "the reminder push");
    const message = JSON.parse(push.messages(device.clientHash)[0] ?? "{}");
    expect(message).toMatchObject({
      type: "assignment.delivery_reminder",
      deepLink: `https://portal.example/assignments/${assignmentId}`,
      data: { assignmentId, reminderNumber: 1 },
    });
    const feed = await database.db("in_app_notifications").where({ recipient_id: peerMentorId, kind: "delivery_reminder" });
    expect(feed).toHaveLength(1);
  });
});

import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Kafka } from "kafkajs";
import { createLogger } from "@honorarium/shared";
import { createMetricsRegistry } from "@honorarium/shared/infra";
import { createTestDatabase, createTestKafka, createTopics, eventually, type TestDatabase } from "@honorarium/shared/testing";
import { createNotifier, type Notifier } from "../src/main.ts";
import { createNotifierMetrics } from "../src/metrics.ts";
import { runReminderPass } from "../src/use-cases/schedule-reminders.ts";
import { reminderEventId } from "../src/domain/notifications.ts";
import { addWebhook, asMessages, makeCrossing, publish, startWebhookReceiver, testConfig, type WebhookReceiver } from "./helpers.ts";

const DAY = 24 * 60 * 60 * 1000;

describe("two notifier instances", () => {
  const services = inject("testServices");
  let database: TestDatabase;
  let kafka: Kafka;
  let receiver: WebhookReceiver;
  const notifiers: Notifier[] = [];
  const ports: number[] = [];
  let config: ReturnType<typeof testConfig>;

  beforeAll(async () => {
    database = await createTestDatabase(services.databaseUrl);
    kafka = createTestKafka(services.kafkaBrokers);
    receiver = await startWebhookReceiver(() => 204, 20);
    config = testConfig(services, database.url, { reminderIntervalMs: 300, dispatchBatchSize: 5 });
    await createTopics(kafka, [config.inputTopic], 3);
    for (let instance = 0; instance < 2; instance += 1) {
      const notifier = createNotifier(config);
      notifiers.push(notifier);
      ports.push((await notifier.start()).httpPort);
    }
  });

  afterAll(async () => {
    await Promise.all(notifiers.map((notifier) => notifier.stop()));
    await receiver?.close();
    await database?.drop();
  });

  async function reminderPasses(): Promise<{ leader: number; follower: number }> {
    const totals = { leader: 0, follower: 0 };
    for (const port of ports) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      for (const role of ["leader", "follower"] as const) {
        const match = new RegExp(`notifier_reminder_passes_total\\{role="${role}"[^}]*\\} (\\d+)`).exec(text);
        totals[role] += Number(match?.[1] ?? 0);
      }
    }
    return totals;
  }

  it("never send the same job twice", async () => {
    const organizationId = randomUUID();
    await addWebhook(database.db, organizationId, receiver.url("/hooks"));
    const events = Array.from({ length: 60 }, () => makeCrossing({ organizationId }));
    await publish(kafka, config.inputTopic, asMessages(events));
    await eventually(
      async () => {
        const rows: { status: string }[] = await database.db("notification_jobs").where("channel", "webhook").select("status");
        return rows.length === events.length && rows.every((row) => row.status === "delivered") ? true : undefined;
      },
      90_000,
      "every webhook job delivered",
    );
    const counts = receiver.countsById();
    expect(counts.size).toBe(events.length);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    const attempts: { count: number }[] = await database.db("notification_attempts").count("* as count");
    // 60 webhook attempts and 60 in-app attempts: nothing was attempted twice.
    expect(Number(attempts[0]?.count)).toBe(2 * events.length);
  });

  it("send each due delivery reminder once, led by one instance, and again only in the next window", async () => {
    const now = Date.now();
    const base = {
      organization_id: randomUUID(),
      accounting_period: "2026-H1",
      delivery_sequence_number: 1,
      honorarium_tier: "none",
      read_receipt_required: true,
      delivery_method: "push",
      coordinator_id: randomUUID(),
    };
    const row = (overrides: Record<string, unknown>) => ({
      ...base,
      assignment_id: randomUUID(),
      peer_mentor_id: randomUUID(),
      ...overrides,
    });
    const due = [
      row({ delivery_status: "delivered", delivered_at: new Date(now - 11 * DAY) }),
      row({ delivery_status: "delivered", delivered_at: new Date(now - 30 * DAY) }),
      // Reminded 11 days ago: the second window is due.
      row({
        delivery_status: "delivered",
        delivered_at: new Date(now - 25 * DAY),
        reminder_sent_at: new Date(now - 11 * DAY),
        reminder_count: 1,
      }),
    ];
    const notDue = [
      row({ delivery_status: "delivered", delivered_at: new Date(now - 3 * DAY) }),
      row({ delivery_status: "opened", delivered_at: new Date(now - 20 * DAY), opened_at: new Date(now - 19 * DAY) }),
      row({
        delivery_status: "delivered",
        delivered_at: new Date(now - 25 * DAY),
        reminder_sent_at: new Date(now - 2 * DAY),
        reminder_count: 1,
      }),
      row({ delivery_status: "expired", delivered_at: new Date(now - 40 * DAY) }),
      row({ delivery_status: "delivered", delivered_at: new Date(now - 20 * DAY), expires_at: new Date(now - DAY) }),
    ];
    const inserted: { id: string; reminder_count: number }[] = await database
      .db("assignment_deliveries")
      .insert([...due, ...notDue])
      .returning(["id", "reminder_count"]);
    const dueIds = inserted.slice(0, due.length);
    const notDueIds = inserted.slice(due.length).map((entry) => entry.id);

    await eventually(
      async () => {
        const rows: { id: string; reminder_count: number }[] = await database.db("assignment_deliveries").whereIn(
          "id",
          dueIds.map((entry) => entry.id),
        );
        const counts = new Map(rows.map((entry) => [entry.id, entry.reminder_count]));
        return dueIds.every((entry) => counts.get(entry.id) === entry.reminder_count + 1) ? true : undefined;
      },
      30_000,
      "the due reminders",
    );
    // Let both schedulers tick several more times: nothing more may happen in this window.
    const before = await reminderPasses();
    await eventually(async () => {
      const after = await reminderPasses();
      return after.leader + after.follower >= before.leader + before.follower + 8 ? after : undefined;
    });
    const passes = await reminderPasses();
    expect(passes.follower).toBeGreaterThan(0);

    const after: { id: string; reminder_count: number; reminder_sent_at: Date | null }[] = await database
      .db("assignment_deliveries")
      .whereIn(
        "id",
        inserted.map((entry) => entry.id),
      );
    const byId = new Map(after.map((entry) => [entry.id, entry]));
    for (const entry of dueIds) expect(byId.get(entry.id)?.reminder_count).toBe(entry.reminder_count + 1);
    for (const id of notDueIds) expect(byId.get(id)?.reminder_count).toBe(inserted.find((entry) => entry.id === id)?.reminder_count);

    const jobs: { event_id: string; channel: string; kind: string; status: string }[] = await database
      .db("notification_jobs")
      .where("kind", "delivery_reminder");
    expect(jobs).toHaveLength(due.length);
    expect(jobs.every((job) => job.channel === "in_app" && job.status === "delivered")).toBe(true);
    expect(new Set(jobs.map((job) => job.event_id))).toEqual(
      new Set(dueIds.map((entry) => reminderEventId(entry.id, entry.reminder_count + 1))),
    );
    const feed = await database.db("in_app_notifications").where("kind", "delivery_reminder");
    expect(feed).toHaveLength(due.length);
  });

  it("let the database alone guard reminders when passes run at once without the Redis lock", async () => {
    const now = Date.now();
    const rows = Array.from({ length: 20 }, () => ({
      organization_id: randomUUID(),
      assignment_id: randomUUID(),
      peer_mentor_id: randomUUID(),
      coordinator_id: randomUUID(),
      accounting_period: "2026-H1",
      delivery_sequence_number: 2,
      honorarium_tier: "none",
      read_receipt_required: false,
      delivery_method: "in_app",
      delivery_status: "delivered",
      // 7 days: not yet due for the running schedulers (10 days), due for the passes below (5 days).
      delivered_at: new Date(now - 7 * DAY),
    }));
    const ids: { id: string }[] = await database.db("assignment_deliveries").insert(rows).returning("id");
    const metrics = createNotifierMetrics(createMetricsRegistry("reminder-test"), async () => ({ pending: 0, retrying: 0 }));
    const options = {
      db: database.db,
      afterDays: 5,
      digestHour: 7,
      webPushEnabled: false,
      deepLinkBaseUrl: "https://portal.example",
      metrics,
      logger: createLogger("reminder-test", "silent"),
      batchLimit: 3,
    };
    const created = await Promise.all(Array.from({ length: 5 }, () => runReminderPass(options)));
    expect(created.reduce((sum, count) => sum + count, 0)).toBe(rows.length);
    const after: { reminder_count: number }[] = await database.db("assignment_deliveries").whereIn(
      "id",
      ids.map((entry) => entry.id),
    );
    expect(after.every((entry) => entry.reminder_count === 1)).toBe(true);
    const jobs = await database.db("notification_jobs").whereIn(
      "event_id",
      ids.map((entry) => reminderEventId(entry.id, 1)),
    );
    expect(jobs).toHaveLength(rows.length);
  });
});

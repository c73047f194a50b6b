import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createLogger } from "@honorarium/shared";
import { createMetricsRegistry } from "@honorarium/shared/infra";
import { createTestDatabase, type TestDatabase } from "@honorarium/shared/testing";
import { createNotifierMetrics } from "../src/metrics.ts";
import { reminderEventId } from "../src/domain/notifications.ts";
import { type ReminderOptions, runExpiryPass, runReminderPass } from "../src/use-cases/schedule-reminders.ts";

// The passes run on this clock; nothing here depends on today's date.
const NOW = new Date("2026-03-01T12:00:00.000Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);

describe("spec 004 expiry", () => {
  const services = inject("testServices");
  let database: TestDatabase;
  let options: ReminderOptions;

  beforeAll(async () => {
    database = await createTestDatabase(services.databaseUrl);
    options = {
      db: database.db,
      afterDays: 10,
      digestHour: 7,
      webPushEnabled: false,
      deepLinkBaseUrl: "https://portal.example",
      metrics: createNotifierMetrics(createMetricsRegistry("expiry-test"), async () => ({ pending: 0, retrying: 0 })),
      logger: createLogger("expiry-test", "silent"),
      batchLimit: 2,
    };
  });

  afterAll(async () => {
    await database?.drop();
  });

  async function delivery(organizationId: string, fields: Record<string, unknown>): Promise<string> {
    const [row] = await database
      .db("assignment_deliveries")
      .insert({
        organization_id: organizationId,
        assignment_id: randomUUID(),
        peer_mentor_id: randomUUID(),
        coordinator_id: randomUUID(),
        accounting_period: "2026-H1",
        delivery_sequence_number: 1,
        honorarium_tier: "none",
        read_receipt_required: true,
        delivery_method: "push",
        ...fields,
      })
      .returning("id");
    return (row as { id: string }).id;
  }

  const statusOf = async (id: string): Promise<string> =>
    ((await database.db("assignment_deliveries").where({ id }).first()) as { delivery_status: string }).delivery_status;

  it("expires every open delivery past expires_at once, leaves confirmed and unexpired ones, and stops their reminders", async () => {
    const org = randomUUID();
    const delivered = await delivery(org, { delivery_status: "delivered", delivered_at: at(-12 * DAY), expires_at: at(-HOUR) });
    const opened = await delivery(org, {
      delivery_status: "opened",
      delivered_at: at(-3 * DAY),
      opened_at: at(-2 * DAY),
      expires_at: at(-1),
    });
    const pending = await delivery(org, { delivery_status: "pending", expires_at: at(-DAY) });
    const confirmed = await delivery(org, {
      delivery_status: "read_confirmed",
      delivered_at: at(-5 * DAY),
      opened_at: at(-4 * DAY),
      read_confirmed_at: at(-4 * DAY),
      expires_at: at(-DAY),
    });
    const later = await delivery(org, { delivery_status: "delivered", delivered_at: at(-12 * DAY), expires_at: at(HOUR) });
    // A reminder job of the expiring delivery still waiting to be sent.
    const deliveredRow = await database.db("assignment_deliveries").where({ id: delivered }).first();
    await database.db("notification_jobs").insert({
      event_id: reminderEventId(delivered, 1),
      kind: "delivery_reminder",
      organization_id: org,
      recipient_id: deliveredRow.peer_mentor_id,
      recipient_role: "peer_mentor",
      channel: "web_push",
      payload: JSON.stringify({
        type: "assignment.delivery_reminder",
        title: "t",
        body: "b",
        deepLink: "x",
        data: { deliveryId: delivered },
      }),
      next_attempt_at: at(DAY),
    });

    // Two passes at once (two instances without the Redis lock): each delivery expires once.
    const [first, second] = await Promise.all([runExpiryPass(options, NOW), runExpiryPass(options, NOW)]);
    expect((first ?? 0) + (second ?? 0)).toBe(3);
    expect(await runExpiryPass(options, NOW)).toBe(0);
    expect([await statusOf(delivered), await statusOf(opened), await statusOf(pending)]).toEqual(["expired", "expired", "expired"]);
    expect(await statusOf(confirmed)).toBe("read_confirmed");
    expect(await statusOf(later)).toBe("delivered");
    const job = await database
      .db("notification_jobs")
      .where({ event_id: reminderEventId(delivered, 1) })
      .first();
    expect(job).toMatchObject({ status: "skipped", last_error: "the delivery expired" });

    // The reminder pass reminds only the one still open (12 days unopened), not the expired one.
    expect(await runReminderPass(options, NOW)).toBe(1);
    const reminded = await database.db("notification_jobs").where({ kind: "delivery_reminder", organization_id: org, status: "delivered" });
    expect(reminded.map((row: { payload: { data: { deliveryId: string } } }) => row.payload.data.deliveryId)).toEqual([later]);
  });
});

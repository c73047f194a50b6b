import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Kafka } from "kafkajs";
import { Webhook } from "standardwebhooks";
import { createTestDatabase, createTestKafka, eventually, type TestDatabase } from "@honorarium/shared/testing";
import { createNotifier, type Notifier } from "../src/main.ts";
import type { NotifierConfig } from "../src/config.ts";
import {
  addWebhook,
  asMessages,
  makeCrossing,
  publish,
  startWebhookReceiver,
  testConfig,
  WEBHOOK_SECRET,
  type WebhookReceiver,
} from "./helpers.ts";

/** A receiver that reads each request and never answers (until it is closed). */
async function startHangingReceiver(): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server: Server = createServer((req) => {
    req.resume();
    req.on("end", () => {
      requests += 1;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hang`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface WebhookJob {
  id: string;
  organization_id: string;
  status: string;
  attempt_count: number;
}

describe("tenant isolation in the dispatcher", () => {
  const services = inject("testServices");
  let database: TestDatabase;
  let kafka: Kafka;
  let receiver: WebhookReceiver;
  let hanging: Awaited<ReturnType<typeof startHangingReceiver>>;
  let config: NotifierConfig;
  let notifier: Notifier;

  beforeAll(async () => {
    database = await createTestDatabase(services.databaseUrl);
    kafka = createTestKafka(services.kafkaBrokers);
    receiver = await startWebhookReceiver((path) => (path.startsWith("/rejects") ? 400 : 204));
    hanging = await startHangingReceiver();
    // A send timeout far longer than this test needs: H's sends are still hanging when Q's are
    // all recorded, which only holds if no job waits for another's send.
    config = testConfig(services, database.url, {
      sendTimeoutMs: 120_000,
      claimLeaseMs: 180_000,
      dispatchWorkers: 1,
      dispatchBatchSize: 20,
      endpointConcurrency: 2,
      webhookDisableAfterFailures: 3,
    });
    notifier = createNotifier(config);
    await notifier.start();
  });

  afterAll(async () => {
    await hanging?.close();
    await notifier?.stop();
    await receiver?.close();
    await database?.drop();
  });

  const webhookJobsOf = (organizationId: string): Promise<WebhookJob[]> =>
    database
      .db("notification_jobs")
      .where({ organization_id: organizationId, channel: "webhook" })
      .select("id", "organization_id", "status", "attempt_count");

  it("delivers org Q's webhooks while org H's endpoint hangs, H holding only its own slots", async () => {
    const orgH = randomUUID();
    const orgQ = randomUUID();
    await addWebhook(database.db, orgH, hanging.url);
    await addWebhook(database.db, orgQ, receiver.url(`/ok/${orgQ}`));
    const hEvents = Array.from({ length: 30 }, () => makeCrossing({ organizationId: orgH }));
    const qEvents = Array.from({ length: 30 }, () => makeCrossing({ organizationId: orgQ }));
    // H's backlog first, so with a batch-wide wait Q would sit behind H's hanging sends.
    await publish(kafka, config.inputTopic, asMessages(hEvents));
    await eventually(
      async () => ((await webhookJobsOf(orgH)).length === 30 && hanging.requests() >= 2 ? true : undefined),
      60_000,
      "H hanging",
    );
    await publish(kafka, config.inputTopic, asMessages(qEvents));

    const qJobs = await eventually(
      async () => {
        const jobs = await webhookJobsOf(orgQ);
        return jobs.length === 30 && jobs.every((job) => job.status === "delivered") ? jobs : undefined;
      },
      90_000,
      "all of Q's webhooks delivered",
    );
    expect(qJobs).toHaveLength(30);
    expect(new Set(receiver.received.filter((request) => request.path === `/ok/${orgQ}`).map((r) => r.headers["webhook-id"])).size).toBe(
      30,
    );

    // H: still hanging, nothing recorded, and never more in flight than its concurrency.
    const hJobs = await webhookJobsOf(orgH);
    expect(hJobs.every((job) => job.status === "pending")).toBe(true);
    expect(hJobs.filter((job) => job.attempt_count > 0)).toHaveLength(2);
    expect(hanging.requests()).toBe(2);
    const hAttempts = await database.db("notification_attempts").whereIn(
      "job_id",
      hJobs.map((job) => job.id),
    );
    expect(hAttempts).toHaveLength(0);
  });

  it("switches off a webhook after the consecutive-failure limit, alerts the admin who set it, and keeps the rest", async () => {
    const organizationId = randomUUID();
    const adminId = randomUUID();
    await database.db("organization_webhooks").insert({
      organization_id: organizationId,
      url: receiver.url(`/rejects/${organizationId}`),
      secret: WEBHOOK_SECRET,
      enabled: true,
      updated_by: adminId,
    });
    await database.db("organization_settings").insert({ organization_id: organizationId, locale: "en" });
    await publish(kafka, config.inputTopic, asMessages(Array.from({ length: 3 }, () => makeCrossing({ organizationId }))));

    const webhook = await eventually(
      async () => {
        const row: { enabled: boolean; disabled_reason: string | null; consecutive_failures: number } | undefined = await database
          .db("organization_webhooks")
          .where({ organization_id: organizationId })
          .first();
        return row !== undefined && !row.enabled ? row : undefined;
      },
      60_000,
      "the webhook disabled",
    );
    expect(webhook.consecutive_failures).toBe(3);
    expect(webhook.disabled_reason).toBe("disabled automatically: 3 consecutive permanent failures");
    const alerts: { recipient_id: string; kind: string; title: string; body: string }[] = await database
      .db("in_app_notifications")
      .where({ organization_id: organizationId, kind: "webhook_disabled" });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ recipient_id: adminId, title: "Webhook disabled" });

    // Later crossings reach the feed only: no webhook job for a disabled endpoint.
    const later = makeCrossing({ organizationId });
    await publish(kafka, config.inputTopic, asMessages([later]));
    await eventually(async () =>
      (await database.db("in_app_notifications").where({ organization_id: organizationId, kind: "threshold_crossed" })).length === 4
        ? true
        : undefined,
    );
    expect(await database.db("notification_jobs").where({ event_id: later.eventId, channel: "webhook" })).toHaveLength(0);
  });

  it("writes the text in the organization's locale with the scope's display name; the machine fields stay as they were", async () => {
    const organizationId = randomUUID();
    const scopeId = randomUUID();
    await database.db("organization_settings").insert({ organization_id: organizationId, locale: "en" });
    await database
      .db("scope_names")
      .insert({ organization_id: organizationId, scope_id: scopeId, display_name: "Region North", updated_by: randomUUID() });
    await addWebhook(database.db, organizationId, receiver.url(`/ok/locale/${organizationId}`));
    const event = makeCrossing({ organizationId, scopeId, tierName: "Office honorarium", honorariumAmount: "1500.00" });
    await publish(kafka, config.inputTopic, asMessages([event]));
    const request = await eventually(async () => receiver.received.find((r) => r.path === `/ok/locale/${organizationId}`));
    const body = JSON.parse(request.body) as { type: string; data: Record<string, unknown> };
    expect(body.type).toBe("honorarium.threshold_crossed");
    expect(body.data).toMatchObject({
      title: "Honorarium threshold reached",
      body: "A peer mentor in Region North reached Office honorarium at 3 assignments (NOK\u00a01,500.00). Open to see who and process the payment.",
      peerMentorId: event.peerMentorId,
      scopeId,
      honorariumAmount: "1500.00",
      currency: "NOK",
    });
    const feed: { title: string; body: string }[] = await database.db("in_app_notifications").where({ organization_id: organizationId });
    expect(feed.map((row) => row.title)).toEqual(["Honorarium threshold reached"]);
    expect(feed[0]?.body).not.toContain(event.peerMentorId);

    // Without a settings row: Norwegian Bokmål.
    const nbOrganization = randomUUID();
    await addWebhook(database.db, nbOrganization, receiver.url(`/ok/locale/${nbOrganization}`));
    await publish(kafka, config.inputTopic, asMessages([makeCrossing({ organizationId: nbOrganization, scopeId: null })]));
    const nbRequest = await eventually(async () => receiver.received.find((r) => r.path === `/ok/locale/${nbOrganization}`));
    expect((JSON.parse(nbRequest.body) as { data: { title: string; body: string } }).data.body).toBe(
      "En likeperson har nådd Kontorhonorar etter 3 oppdrag (500,00\u00a0kr). Åpne for å se hvem og behandle utbetalingen.",
    );
  });

  it("follows the coordinator's preferences: in-app off for crossings leaves the webhook, and the feed stays empty", async () => {
    const organizationId = randomUUID();
    const event = makeCrossing({ organizationId });
    await database.db("notification_preferences").insert({
      organization_id: organizationId,
      user_id: event.coordinatorId,
      channel: "in_app",
      category: "threshold_crossed",
      enabled: false,
    });
    await addWebhook(database.db, organizationId, receiver.url(`/ok/preferences/${organizationId}`));
    await publish(kafka, config.inputTopic, asMessages([event]));
    const jobs = await eventually(async () => {
      const rows: { channel: string; status: string }[] = await database.db("notification_jobs").where({ event_id: event.eventId });
      return rows.length > 0 && rows.every((row) => row.status === "delivered") ? rows : undefined;
    });
    expect(jobs.map((row) => row.channel)).toEqual(["webhook"]);
    expect(await database.db("in_app_notifications").where({ organization_id: organizationId })).toHaveLength(0);
  });

  it("signs with the current and the previous secret during a rotation's overlap window", async () => {
    const organizationId = randomUUID();
    const previous = `whsec_${Buffer.alloc(32, 77).toString("base64")}`;
    await database.db("organization_webhooks").insert({
      organization_id: organizationId,
      url: receiver.url(`/ok/rotated/${organizationId}`),
      secret: WEBHOOK_SECRET,
      previous_secret: previous,
      previous_secret_expires_at: database.db.raw("now() + interval '1 hour'"),
      enabled: true,
    });
    const event = makeCrossing({ organizationId });
    await publish(kafka, config.inputTopic, asMessages([event]));
    const request = await eventually(async () => receiver.received.find((r) => r.path === `/ok/rotated/${organizationId}`));
    expect(request.headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    for (const secret of [WEBHOOK_SECRET, previous]) {
      const verified = new Webhook(secret).verify(request.body, request.headers) as { data: { eventId: string } };
      expect(verified.data.eventId).toBe(event.eventId);
    }

    // Past the window only the current secret signs.
    await database
      .db("organization_webhooks")
      .where({ organization_id: organizationId })
      .update({
        previous_secret_expires_at: database.db.raw("now() - interval '1 second'"),
      });
    const second = makeCrossing({ organizationId });
    await publish(kafka, config.inputTopic, asMessages([second]));
    const next = await eventually(async () =>
      receiver.received.find((r) => r.path === `/ok/rotated/${organizationId}` && r.body.includes(second.eventId)),
    );
    expect(next.headers["webhook-signature"]?.split(" ")).toHaveLength(1);
    expect(() => new Webhook(previous).verify(next.body, next.headers)).toThrow();
  });
});

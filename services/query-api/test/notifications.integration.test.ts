import { randomUUID } from "node:crypto";
import type { TestDatabase } from "@honorarium/shared/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type RunningApi, createTestDatabase, errorOf, outcome, seedRecord, startApi } from "./helpers.ts";

const ORG = randomUUID();
const SCOPE_A = randomUUID();
const SCOPE_B = randomUUID();
const ME = randomUUID();
const SOMEONE = randomUUID();
let database: TestDatabase;
let api: RunningApi;
const me = { sub: ME, org: ORG, roles: ["coordinator"], scopes: [SCOPE_A] };
const admin = { sub: randomUUID(), org: ORG, roles: ["org_admin"] };

async function notification(recipientId: string, createdAt: string, organizationId = ORG): Promise<string> {
  const [row] = await database
    .db("in_app_notifications")
    .insert({
      organization_id: organizationId,
      recipient_id: recipientId,
      kind: "threshold_crossed",
      title: "Threshold reached",
      body: "A mentor reached 3",
      created_at: createdAt,
    })
    .returning("id");
  return (row as { id: string }).id;
}

async function failedJob(recordId: string | null): Promise<string> {
  const [row] = await database
    .db("notification_jobs")
    .insert({
      event_id: randomUUID(),
      record_id: recordId,
      organization_id: ORG,
      recipient_id: ME,
      recipient_role: "coordinator",
      channel: "webhook",
      payload: {},
      status: "failed",
      attempt_count: 8,
      last_error: "HTTP 503",
      failed_at: new Date(),
    })
    .returning("id");
  return (row as { id: string }).id;
}

beforeAll(async () => {
  const services = inject("testServices");
  database = await createTestDatabase(services.databaseUrl);
  api = await startApi({ db: database, redisUrl: services.redisUrl });
});

afterAll(async () => {
  await api?.stop();
  await database?.drop();
});

describe("notifications.list and markRead", () => {
  it("shows only the caller's feed, newest first, and marks only the caller's items read", async () => {
    const older = await notification(ME, "2026-06-01T10:00:00Z");
    const newer = await notification(ME, "2026-06-02T10:00:00Z");
    const theirs = await notification(SOMEONE, "2026-06-03T10:00:00Z");
    await notification(ME, "2026-06-04T10:00:00Z", randomUUID()); // another organization
    const client = api.client(me);
    const feed = await client.notifications.list.query({});
    expect(feed.items.map((n) => n.id)).toEqual([newer, older]);
    expect(feed.unreadCount).toBe(2);
    expect((await client.notifications.list.query({ before: "2026-06-02T00:00:00Z" })).items.map((n) => n.id)).toEqual([older]);
    expect(await client.notifications.markRead.mutate({ ids: [older, theirs] })).toEqual({ marked: 1 });
    expect((await client.notifications.list.query({ unreadOnly: true })).items.map((n) => n.id)).toEqual([newer]);
    expect(await client.notifications.markRead.mutate({ all: true })).toEqual({ marked: 1 });
    expect((await database.db("in_app_notifications").where({ id: theirs }).first()).read_at).toBeNull();
    expect(await outcome(client.notifications.markRead.mutate({ ids: [older], all: true }))).toBe("BAD_REQUEST");
  });
});

describe("notifications.failed", () => {
  it("lists failed jobs in the coordinator's scopes (and organization-wide ones), not others", async () => {
    const inA = await failedJob(await seedRecord(database.db, { organizationId: ORG, scopeId: SCOPE_A, peerMentorId: randomUUID() }));
    const inB = await failedJob(await seedRecord(database.db, { organizationId: ORG, scopeId: SCOPE_B, peerMentorId: randomUUID() }));
    const orgWide = await failedJob(null);
    const mine = (await api.client(me).notifications.failed.query({})).jobs.map((j) => j.id);
    expect(mine.sort()).toEqual([inA, orgWide].sort());
    const all = (await api.client(admin).notifications.failed.query({})).jobs;
    expect(all.map((j) => j.id).sort()).toEqual([inA, inB, orgWide].sort());
    expect(all[0]).toMatchObject({ channel: "webhook", attemptCount: 8, lastError: "HTTP 503" });
  });
});

describe("push.subscribe and unsubscribe", () => {
  const keys = { p256dh: `B${"x".repeat(86)}`, auth: "A".repeat(22) };
  it("stores, re-subscribes idempotently and removes the caller's subscription", async () => {
    const client = api.client(me);
    const endpoint = `https://push.example.org/send/${randomUUID()}`;
    const first = await client.push.subscribe.mutate({ endpoint, keys });
    const again = await client.push.subscribe.mutate({ endpoint, keys: { ...keys, auth: "C".repeat(22) } });
    expect(again.id).toBe(first.id);
    expect(await database.db("push_subscriptions").where({ endpoint })).toMatchObject([
      { user_id: ME, organization_id: ORG, auth: "C".repeat(22) },
    ]);
    // Someone else cannot remove it.
    expect(await api.client(admin).push.unsubscribe.mutate({ endpoint })).toEqual({ removed: 0 });
    expect(await client.push.unsubscribe.mutate({ endpoint })).toEqual({ removed: 1 });
    expect(await database.db("push_subscriptions").where({ endpoint })).toHaveLength(0);
  });

  it("refuses plain http unless the host is allow-listed, and malformed keys", async () => {
    const client = api.client(me);
    expect(await outcome(client.push.subscribe.mutate({ endpoint: "http://push.example.org/x", keys }))).toBe("BAD_REQUEST");
    expect(await outcome(client.push.subscribe.mutate({ endpoint: "http://127.0.0.1:8090/x", keys }))).toBe("OK");
    expect(await outcome(client.push.subscribe.mutate({ endpoint: "https://push.example.org/y", keys: { p256dh: "!!", auth: "" } }))).toBe(
      "BAD_REQUEST",
    );
  });
});

describe("push.subscribe across organisations (issue 14)", () => {
  const keys = { p256dh: `B${"x".repeat(86)}`, auth: "A".repeat(22) };
  it("an endpoint owned by a user of another organisation is refused with 409 and stays with its owner", async () => {
    const endpoint = `https://push.example.org/send/${randomUUID()}`;
    await api.client(me).push.subscribe.mutate({ endpoint, keys });
    const intruder = api.client({ sub: randomUUID(), org: randomUUID(), roles: ["coordinator"], scopes: [] });
    const error = await errorOf(intruder.push.subscribe.mutate({ endpoint, keys: { ...keys, auth: "Z".repeat(22) } }));
    expect(error.data?.code).toBe("CONFLICT");
    expect(error.data?.rule).toBe("push_endpoint_taken");
    // Same organisation, another user: also not moved (a subscription belongs to its owner).
    expect(await outcome(api.client(admin).push.subscribe.mutate({ endpoint, keys }))).toBe("CONFLICT");
    expect(await database.db("push_subscriptions").where({ endpoint })).toMatchObject([
      { user_id: ME, organization_id: ORG, auth: "A".repeat(22) },
    ]);
  });

  it.each([
    "https://169.254.169.254/latest",
    "https://10.0.0.1/push",
    "https://[::1]/push",
    "https://localhost/push",
    "https://[::127.0.0.1]/push",
  ])("refuses the push endpoint %s (the notifier's rule)", async (endpoint) => {
    const error = await errorOf(api.client(me).push.subscribe.mutate({ endpoint, keys }));
    expect(error.data?.code).toBe("BAD_REQUEST");
    expect(error.data?.rule).toBe("push_endpoint");
  });
});

describe("webhooks.set refuses what the notifier refuses (issue 14)", () => {
  it.each([
    "https://[::127.0.0.1]/x",
    "https://[::7f00:1]/x",
    "https://[64:ff9b::7f00:1]/x",
    "https://[fec0::1]/x",
    "https://[ff02::1]/x",
    "https://[2001:db8::1]/x",
    "https://198.18.0.1/x",
    "https://192.0.0.1/x",
    "https://localhost./x",
  ])("refuses %s", async (url) => {
    const client = api.client({ sub: randomUUID(), org: randomUUID(), roles: ["org_admin"] });
    const error = await errorOf(client.webhooks.set.mutate({ url }));
    expect(error.data?.code).toBe("BAD_REQUEST");
    expect(error.data?.rule).toBe("webhook_url");
  });
});

describe("webhooks.get, set and disable", () => {
  it("generates a whsec_ secret server-side and returns it only when created", async () => {
    const org = randomUUID();
    const client = api.client({ sub: randomUUID(), org, roles: ["org_admin"] });
    expect(await client.webhooks.get.query({})).toEqual({ organizationId: org, webhook: null });
    const created = await client.webhooks.set.mutate({ url: "https://hooks.example.org/honorarium" });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    const stored = await database.db("organization_webhooks").where({ organization_id: org }).first();
    expect(stored.secret).toBe(created.secret);
    const read = await client.webhooks.get.query({});
    expect(JSON.stringify(read)).not.toContain(created.secret?.slice(6, 20) ?? "never");
    expect(read.webhook).toMatchObject({ url: "https://hooks.example.org/honorarium", enabled: true });
    const changed = await client.webhooks.set.mutate({ url: "https://hooks.example.org/v2" });
    expect(changed.secret).toBeNull();
    expect((await database.db("organization_webhooks").where({ organization_id: org }).first()).secret).toBe(created.secret);
    const rotated = await client.webhooks.set.mutate({ url: "https://hooks.example.org/v2", rotateSecret: true });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    const disabled = await client.webhooks.disable.mutate({});
    expect(disabled.webhook.enabled).toBe(false);
  });

  it.each([
    ["http://hooks.example.org/x", "the webhook URL must use https"],
    ["https://10.0.0.8/x", "the webhook URL points at a private, loopback or link-local address"],
    ["https://169.254.169.254/latest/meta-data", "the webhook URL points at a private, loopback or link-local address"],
    ["https://localhost/x", "the webhook URL points at a private, loopback or link-local address"],
    ["https://user:pw@hooks.example.org/x", "the webhook URL must not carry credentials"],
    ["::not a url::", "the webhook URL is not a valid URL"],
  ])("refuses %s", async (url, message) => {
    const client = api.client({ sub: randomUUID(), org: randomUUID(), roles: ["org_admin"] });
    const error = await errorOf(client.webhooks.set.mutate({ url }));
    expect(error.data?.code).toBe("BAD_REQUEST");
    expect(error.message).toBe(message);
  });

  it("allows an allow-listed host (QUERY_API_WEBHOOK_ALLOW_HOSTS=127.0.0.1:*) over http", async () => {
    const client = api.client({ sub: randomUUID(), org: randomUUID(), roles: ["org_admin"] });
    expect((await client.webhooks.set.mutate({ url: "http://127.0.0.1:9999/hook" })).webhook.url).toBe("http://127.0.0.1:9999/hook");
  });

  it("disabling a webhook that does not exist is NOT_FOUND", async () => {
    expect(await outcome(api.client({ sub: randomUUID(), org: randomUUID(), roles: ["org_admin"] }).webhooks.disable.mutate({}))).toBe(
      "NOT_FOUND",
    );
  });
});

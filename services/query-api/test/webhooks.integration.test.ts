import { randomUUID } from "node:crypto";
import type { TestDatabase } from "@honorarium/shared/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type RunningApi, createTestDatabase, errorOf, outcome, startApi } from "./helpers.ts";

// Fixed clock: the overlap window is computed from it, never from today's date.
const NOW = new Date("2026-06-15T08:00:00.000Z");
const VAPID_PUBLIC_KEY = "BNbXwNd5oD4N9b5m0aM3pS0Nn7vG0a9m8r3b1k1yGf5y9i5t2m1cQ2lZ0x8vYcJ6wQeW4rT1uY7iO0pA3sD5fG8h";
let database: TestDatabase;
let api: RunningApi;

beforeAll(async () => {
  const services = inject("testServices");
  database = await createTestDatabase(services.databaseUrl);
  api = await startApi({
    db: database,
    redisUrl: services.redisUrl,
    now: () => NOW,
    env: { QUERY_API_WEBHOOK_SECRET_OVERLAP_HOURS: "24", NOTIFIER_VAPID_PUBLIC_KEY: VAPID_PUBLIC_KEY },
  });
});

afterAll(async () => {
  await api?.stop();
  await database?.drop();
});

const adminOf = (org: string) => api.client({ sub: randomUUID(), org, roles: ["org_admin"] });

async function webhookJob(organizationId: string, status: string, createdAt: string, attemptCount = 2): Promise<string> {
  const [row] = await database
    .db("notification_jobs")
    .insert({
      event_id: randomUUID(),
      organization_id: organizationId,
      recipient_id: randomUUID(),
      recipient_role: "coordinator",
      channel: "webhook",
      payload: {},
      status,
      attempt_count: attemptCount,
      created_at: createdAt,
      next_attempt_at: createdAt,
    })
    .returning("id");
  return (row as { id: string }).id;
}

describe("webhooks.rotateSecret", () => {
  it("stores a new secret and keeps the previous one signing for the overlap window", async () => {
    const org = randomUUID();
    const client = adminOf(org);
    const created = await client.webhooks.set.mutate({ url: "https://hooks.example.org/rotate" });
    const rotated = await client.webhooks.rotateSecret.mutate({});
    expect(rotated.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.previousSecretValidUntil).toBe("2026-06-16T08:00:00.000Z");
    const row = await database.db("organization_webhooks").where({ organization_id: org }).first();
    expect(row.secret).toBe(rotated.secret);
    expect(row.previous_secret).toBe(created.secret);
    expect((row.previous_secret_expires_at as Date).toISOString()).toBe("2026-06-16T08:00:00.000Z");
    const read = await client.webhooks.get.query({});
    expect(read.webhook?.previousSecretValidUntil).toBe("2026-06-16T08:00:00.000Z");
    // Neither secret leaves the API again.
    expect(JSON.stringify(read)).not.toContain(rotated.secret.slice(6, 20));
    expect(JSON.stringify(read)).not.toContain((created.secret ?? "").slice(6, 20));
  });

  it("is NOT_FOUND without a webhook, and FORBIDDEN for a coordinator", async () => {
    const org = randomUUID();
    expect(await outcome(adminOf(org).webhooks.rotateSecret.mutate({}))).toBe("NOT_FOUND");
    expect(await outcome(api.client({ sub: randomUUID(), org, roles: ["coordinator"] }).webhooks.rotateSecret.mutate({}))).toBe(
      "FORBIDDEN",
    );
  });
});

describe("webhooks.enable", () => {
  it("switches on a webhook the notifier switched off and forgets the failing streak", async () => {
    const org = randomUUID();
    const client = adminOf(org);
    await client.webhooks.set.mutate({ url: "https://hooks.example.org/enable" });
    await database.db("organization_webhooks").where({ organization_id: org }).update({
      enabled: false,
      consecutive_failures: 50,
      failing_since: "2026-06-10T00:00:00Z",
      disabled_reason: "disabled automatically: 50 consecutive permanent failures",
      disabled_at: "2026-06-12T00:00:00Z",
    });
    const before = await client.webhooks.get.query({});
    expect(before.webhook).toMatchObject({
      enabled: false,
      consecutiveFailures: 50,
      disabledReason: "disabled automatically: 50 consecutive permanent failures",
    });
    const enabled = await client.webhooks.enable.mutate({});
    expect(enabled.webhook).toMatchObject({
      enabled: true,
      consecutiveFailures: 0,
      failingSince: null,
      disabledReason: null,
      disabledAt: null,
    });
    expect(await outcome(adminOf(randomUUID()).webhooks.enable.mutate({}))).toBe("NOT_FOUND");
  });
});

describe("webhooks.replay", () => {
  it("sets the window's finished deliveries pending again, same ids, the ladder restarting; other organizations untouched", async () => {
    const org = randomUUID();
    const other = randomUUID();
    const failed = await webhookJob(org, "failed", "2026-05-10T10:00:00Z", 10);
    const delivered = await webhookJob(org, "delivered", "2026-05-11T10:00:00Z", 1);
    const outside = await webhookJob(org, "failed", "2026-04-01T10:00:00Z");
    const inFlight = await webhookJob(org, "pending", "2026-05-12T10:00:00Z");
    const otherOrg = await webhookJob(other, "failed", "2026-05-10T10:00:00Z");
    const client = adminOf(org);

    const onlyFailed = await client.webhooks.replay.mutate({
      since: "2026-05-01T00:00:00Z",
      until: "2026-05-31T00:00:00Z",
      status: "failed",
    });
    expect(onlyFailed).toEqual({ organizationId: org, replayed: 1 });
    const rows = new Map(
      (
        (await database
          .db("notification_jobs")
          .whereIn("id", [failed, delivered, outside, inFlight, otherOrg])
          .select("id", "status", "attempt_count", "attempt_base", "replay_count")) as {
          id: string;
          status: string;
          attempt_count: number;
          attempt_base: number;
          replay_count: number;
        }[]
      ).map((row) => [row.id, row]),
    );
    expect(rows.get(failed)).toMatchObject({ status: "pending", attempt_count: 10, attempt_base: 10, replay_count: 1 });
    expect(rows.get(delivered)?.status).toBe("delivered");
    expect(rows.get(outside)?.status).toBe("failed");
    expect(rows.get(otherOrg)?.status).toBe("failed");

    const all = await client.webhooks.replay.mutate({ since: "2026-05-01T00:00:00Z", until: "2026-05-31T00:00:00Z" });
    // The failed one is pending now, like the one in flight: only the delivered one is left to replay.
    expect(all.replayed).toBe(1);
    expect((await database.db("notification_jobs").where({ id: delivered }).first()).status).toBe("pending");
  });

  it("refuses a window over 31 days or ending before it starts, with a field error", async () => {
    const client = adminOf(randomUUID());
    const tooLong = await errorOf(client.webhooks.replay.mutate({ since: "2026-01-01T00:00:00Z", until: "2026-02-01T00:00:01Z" }));
    expect(tooLong.data?.code).toBe("BAD_REQUEST");
    expect(tooLong.data?.fieldErrors).toEqual({ until: ["the window may span at most 31 days"] });
    const backwards = await errorOf(client.webhooks.replay.mutate({ since: "2026-02-01T00:00:00Z", until: "2026-01-01T00:00:00Z" }));
    expect(backwards.data?.fieldErrors).toEqual({ until: ["must be after since"] });
    const badStatus = await errorOf(
      client.webhooks.replay.mutate({ since: "2026-01-01T00:00:00Z", until: "2026-01-02T00:00:00Z", status: "pending" as "failed" }),
    );
    expect(Object.keys(badStatus.data?.fieldErrors ?? {})).toEqual(["status"]);
    expect(await outcome(client.webhooks.replay.mutate({ since: "2026-01-01T00:00:00Z", until: "2026-02-01T00:00:00Z" }))).toBe("OK");
  });
});

describe("webhooks.attempts", () => {
  it("lists a delivery's attempts newest first with status, duration and error, paginated, never another organization's", async () => {
    const org = randomUUID();
    const job = await webhookJob(org, "delivered", "2026-05-10T10:00:00Z", 3);
    const foreign = await webhookJob(randomUUID(), "failed", "2026-05-10T10:00:00Z", 1);
    await database.db("notification_attempts").insert([
      {
        job_id: job,
        attempt_number: 1,
        started_at: "2026-05-10T10:00:00.000Z",
        finished_at: "2026-05-10T10:00:03.000Z",
        outcome: "retryable_error",
        error: "timed out",
        retry_in_ms: 700,
      },
      {
        job_id: job,
        attempt_number: 2,
        started_at: "2026-05-10T10:00:04.000Z",
        finished_at: "2026-05-10T10:00:04.120Z",
        outcome: "retryable_error",
        http_status: 503,
        error: "HTTP 503",
        retry_in_ms: 1500,
      },
      {
        job_id: job,
        attempt_number: 3,
        started_at: "2026-05-10T10:00:06.000Z",
        finished_at: "2026-05-10T10:00:06.045Z",
        outcome: "delivered",
        http_status: 204,
      },
      {
        job_id: foreign,
        attempt_number: 1,
        started_at: "2026-05-10T10:00:00.000Z",
        finished_at: "2026-05-10T10:00:00.010Z",
        outcome: "permanent_error",
        http_status: 400,
        error: "HTTP 400",
      },
    ]);
    const client = adminOf(org);
    const first = await client.webhooks.attempts.query({ deliveryId: job, limit: 2 });
    expect(first.items.map((item) => [item.attemptNumber, item.httpStatus, item.durationMs, item.outcome, item.error])).toEqual([
      [3, 204, 45, "delivered", null],
      [2, 503, 120, "retryable_error", "HTTP 503"],
    ]);
    expect(first.items[0]).toMatchObject({ deliveryId: job, startedAt: "2026-05-10T10:00:06.000Z" });
    expect(first.nextCursor).not.toBeNull();
    const second = await client.webhooks.attempts.query({ deliveryId: job, limit: 2, cursor: first.nextCursor ?? undefined });
    expect(second.items.map((item) => [item.attemptNumber, item.error, item.durationMs, item.retryInMs])).toEqual([
      [1, "timed out", 3000, 700],
    ]);
    expect(second.nextCursor).toBeNull();
    expect((await client.webhooks.attempts.query({})).items.every((item) => item.deliveryId === job)).toBe(true);
    expect((await client.webhooks.attempts.query({ deliveryId: foreign })).items).toEqual([]);
    expect(await outcome(client.webhooks.attempts.query({ cursor: "abc" }))).toBe("BAD_REQUEST");
  });
});

describe("push.vapidPublicKey", () => {
  it("serves the configured public key to any signed-in user", async () => {
    const client = api.client({ sub: randomUUID(), org: randomUUID(), roles: ["peer_mentor"] });
    expect(await client.push.vapidPublicKey.query()).toEqual({ publicKey: VAPID_PUBLIC_KEY });
    expect(await outcome(api.client(null).push.vapidPublicKey.query())).toBe("UNAUTHORIZED");
  });
});

describe("preferences.digests and setDigest", () => {
  it("turn a coordinator's daily digest of their own scopes on and off; other scopes, mentors and bad input are refused", async () => {
    const org = randomUUID();
    const north = randomUUID();
    const south = randomUUID();
    const coordinator = api.client({ sub: randomUUID(), org, roles: ["coordinator"], scopes: [north, south] });
    expect(await coordinator.preferences.digests.query({})).toEqual({ organizationId: org, digestScopeIds: [] });
    await coordinator.preferences.setDigest.mutate({ scopeId: north, enabled: true });
    // Idempotent: turning it on twice keeps one choice.
    const both = await coordinator.preferences.setDigest.mutate({ scopeId: south, enabled: true });
    await coordinator.preferences.setDigest.mutate({ scopeId: south, enabled: true });
    expect(both.digestScopeIds).toEqual([north, south].sort());
    expect((await coordinator.preferences.setDigest.mutate({ scopeId: south, enabled: false })).digestScopeIds).toEqual([north]);
    expect((await coordinator.preferences.digests.query({})).digestScopeIds).toEqual([north]);

    expect(await outcome(coordinator.preferences.setDigest.mutate({ scopeId: randomUUID(), enabled: true }))).toBe("FORBIDDEN");
    const mentor = api.client({ sub: randomUUID(), org, roles: ["peer_mentor"] });
    expect(await outcome(mentor.preferences.setDigest.mutate({ scopeId: north, enabled: true }))).toBe("FORBIDDEN");
    const admin = api.client({ sub: randomUUID(), org, roles: ["org_admin"] });
    expect((await admin.preferences.setDigest.mutate({ scopeId: randomUUID(), enabled: true })).digestScopeIds).toHaveLength(1);
    const bad = await errorOf(coordinator.preferences.setDigest.mutate({ scopeId: "north", enabled: "yes" as unknown as boolean }));
    expect(bad.data?.code).toBe("BAD_REQUEST");
    expect(Object.keys(bad.data?.fieldErrors ?? {}).sort()).toEqual(["enabled", "scopeId"]);
  });
});

describe("preferences.get and set", () => {
  it("are the caller's own, all on by default; a choice changes only its channel and category", async () => {
    const org = randomUUID();
    const user = randomUUID();
    const client = api.client({ sub: user, org, roles: ["coordinator"], scopes: [] });
    const initial = await client.preferences.get.query({});
    expect(initial.preferences).toHaveLength(6);
    expect(initial.preferences.every((entry) => entry.enabled)).toBe(true);
    const set = await client.preferences.set.mutate({
      preferences: [
        { channel: "web_push", category: "threshold_crossed", enabled: false },
        { channel: "in_app", category: "delivery_failures", enabled: false },
      ],
    });
    expect(set.preferences.filter((entry) => !entry.enabled).map((entry) => `${entry.channel}/${entry.category}`)).toEqual([
      "web_push/threshold_crossed",
      "in_app/delivery_failures",
    ]);
    await client.preferences.set.mutate({ preferences: [{ channel: "web_push", category: "threshold_crossed", enabled: true }] });
    const after = await client.preferences.get.query({});
    expect(after.preferences.filter((entry) => !entry.enabled).map((entry) => `${entry.channel}/${entry.category}`)).toEqual([
      "in_app/delivery_failures",
    ]);
    // Someone else in the same organization is untouched.
    const other = await api.client({ sub: randomUUID(), org, roles: ["coordinator"], scopes: [] }).preferences.get.query({});
    expect(other.preferences.every((entry) => entry.enabled)).toBe(true);
  });

  it("refuses unknown channels or categories, webhooks, repeats and an empty list with field errors", async () => {
    const client = api.client({ sub: randomUUID(), org: randomUUID(), roles: ["peer_mentor"] });
    const webhook = await errorOf(
      client.preferences.set.mutate({ preferences: [{ channel: "webhook" as "in_app", category: "threshold_crossed", enabled: false }] }),
    );
    expect(webhook.data?.code).toBe("BAD_REQUEST");
    expect(Object.keys(webhook.data?.fieldErrors ?? {})).toEqual(["preferences.0.channel"]);
    const unknown = await errorOf(
      client.preferences.set.mutate({ preferences: [{ channel: "in_app", category: "digest" as "threshold_crossed", enabled: false }] }),
    );
    expect(Object.keys(unknown.data?.fieldErrors ?? {})).toEqual(["preferences.0.category"]);
    const twice = await errorOf(
      client.preferences.set.mutate({
        preferences: [
          { channel: "in_app", category: "threshold_crossed", enabled: false },
          { channel: "in_app", category: "threshold_crossed", enabled: true },
        ],
      }),
    );
    expect(twice.data?.fieldErrors).toEqual({ "preferences.1": ["in_app/threshold_crossed is named twice"] });
    expect(await outcome(client.preferences.set.mutate({ preferences: [] }))).toBe("BAD_REQUEST");
  });
});

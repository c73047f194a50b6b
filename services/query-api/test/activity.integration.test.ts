import { randomUUID } from "node:crypto";
import type { LiveActivity } from "@honorarium/shared/contracts";
import { type TestDatabase, eventually } from "@honorarium/shared/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Claims, type RunningApi, createTestDatabase, seedConfig, seedRecord, signToken, startApi } from "./helpers.ts";

// activity.onChange: the database's triggers (migration 046) tell the query API about the feed,
// payment statuses and configuration; each stream gets what its caller may see, and nothing that
// was rolled back.

const ORG = randomUUID();
const OTHER_ORG = randomUUID();
const SCOPE_A = randomUUID();
const SCOPE_B = randomUUID();
const M1 = randomUUID(); // scope A
const M2 = randomUUID(); // scope B
const coordinatorA: Claims = { sub: randomUUID(), org: ORG, roles: ["coordinator"], scopes: [SCOPE_A] };
const mentor2: Claims = { sub: M2, org: ORG, roles: ["peer_mentor"] };
const otherAdmin: Claims = { sub: randomUUID(), org: OTHER_ORG, roles: ["org_admin"] };

let database: TestDatabase;
let api: RunningApi;
let configId: string;
let otherConfigId: string;
let recordA: string;
let recordB: string;

type Event = LiveActivity | { kind: "subscribed"; at: string };

beforeAll(async () => {
  const services = inject("testServices");
  database = await createTestDatabase(services.databaseUrl);
  const db = database.db;
  configId = await seedConfig(db, ORG, { name: "Office honorarium", threshold_count: 3, honorarium_amount: "500.00", tier_order: 1 });
  otherConfigId = await seedConfig(db, OTHER_ORG, { name: "Other", threshold_count: 3, honorarium_amount: "500.00", tier_order: 1 });
  recordA = await seedRecord(db, { organizationId: ORG, scopeId: SCOPE_A, peerMentorId: M1, configId, fiscalYear: 2026 });
  recordB = await seedRecord(db, { organizationId: ORG, scopeId: SCOPE_B, peerMentorId: M2, configId, fiscalYear: 2026 });
  api = await startApi({ db: database, redisUrl: services.redisUrl, now: () => new Date("2026-06-15T10:00:00Z") });
});

afterAll(async () => {
  await api?.stop();
  await database?.drop();
});

function subscribe(claims: Claims): { events: Event[]; errors: unknown[]; stop: () => void } {
  const events: Event[] = [];
  const errors: unknown[] = [];
  const subscription = api
    .client(claims)
    .activity.onChange.subscribe({}, { onData: (event) => events.push(event as Event), onError: (error) => errors.push(error) });
  return { events, errors, stop: () => subscription.unsubscribe() };
}

const feedRow = (recipientId: string) => ({
  organization_id: ORG,
  recipient_id: recipientId,
  kind: "threshold_crossed",
  title: "Terskel nådd",
  body: "Kontorhonorar ved 3 oppdrag",
});

describe("activity.onChange (SSE)", () => {
  it("sends each caller its own feed, the payment moves it may see and its organisation's configuration, once committed", async () => {
    const coordinator = subscribe(coordinatorA);
    const mentor = subscribe(mentor2);
    const other = subscribe(otherAdmin);
    try {
      const all = [coordinator, mentor, other];
      await eventually(async () => (all.every((s) => s.events[0]?.kind === "subscribed") ? true : undefined), 20_000, "subscribed");
      const db = database.db;
      // Rolled back: never heard.
      await db
        .transaction(async (trx) => {
          await trx("honorarium_records").update({ payment_status: "cancelled" }).where({ id: recordA });
          throw new Error("roll back");
        })
        .catch(() => undefined);
      await db("honorarium_records").update({ payment_status: "processing" }).where({ id: recordA });
      await db("honorarium_records").update({ payment_status: "processing" }).where({ id: recordB });
      // Two rows in one statement: one hint.
      await db("in_app_notifications").insert([feedRow(coordinatorA.sub), feedRow(coordinatorA.sub)]);
      await db("in_app_notifications").insert(feedRow(randomUUID()));
      await db("threshold_configs").update({ honorarium_amount: "600.00" }).where({ id: configId });
      await db("scope_names").insert({ organization_id: ORG, scope_id: SCOPE_A, display_name: "Oslo", updated_by: coordinatorA.sub });
      // Last: the other organisation's change (NOTIFY follows commit order, so every earlier one has arrived).
      await db("threshold_configs").update({ honorarium_amount: "700.00" }).where({ id: otherConfigId });
      await eventually(
        async () => (all.every((s) => s.events.some((e) => e.kind === "config")) ? true : undefined),
        20_000,
        "the configuration changes",
      );
      await eventually(async () => (coordinator.events.length >= 5 && mentor.events.length >= 4 ? true : undefined), 5_000, "all events");

      expect(coordinator.events.slice(1)).toEqual([
        { kind: "payment", organizationId: ORG, scopeId: SCOPE_A, peerMentorId: M1, recordId: recordA, paymentStatus: "processing" },
        { kind: "feed", organizationId: ORG, recipientId: coordinatorA.sub },
        { kind: "config", organizationId: ORG, configId },
        { kind: "config", organizationId: ORG, configId: null },
      ]);
      expect(mentor.events.slice(1)).toEqual([
        { kind: "payment", organizationId: ORG, scopeId: SCOPE_B, peerMentorId: M2, recordId: recordB, paymentStatus: "processing" },
        { kind: "config", organizationId: ORG, configId },
        { kind: "config", organizationId: ORG, configId: null },
      ]);
      expect(other.events.slice(1)).toEqual([{ kind: "config", organizationId: OTHER_ORG, configId: otherConfigId }]);
      expect([...coordinator.errors, ...mentor.errors, ...other.errors]).toEqual([]);
    } finally {
      for (const s of [coordinator, mentor, other]) s.stop();
    }
  });

  it("refuses another organisation's stream with 403 before it opens, and a caller without a token with 401", async () => {
    const open = (input: unknown, token?: string) =>
      fetch(`${api.url}/activity.onChange?input=${encodeURIComponent(JSON.stringify(input))}`, {
        headers: { accept: "text/event-stream", ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
      });
    const forbidden = await open({ organizationId: OTHER_ORG }, await signToken(coordinatorA));
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ error: { data: { code: "FORBIDDEN", httpStatus: 403 } } });
    const anonymous = await open({});
    expect(anonymous.status).toBe(401);
    await anonymous.body?.cancel();
  });
});

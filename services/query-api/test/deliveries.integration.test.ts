import { randomUUID } from "node:crypto";
import type { TestDatabase } from "@honorarium/shared/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type RunningApi, createTestDatabase, outcome, seedLedger, startApi } from "./helpers.ts";

const ORG = randomUUID();
const OTHER_ORG = randomUUID();
const MENTOR = randomUUID();
const OTHER_MENTOR = randomUUID();
const NOW = new Date("2026-06-15T10:00:00Z");
let database: TestDatabase;
let api: RunningApi;
const coordinator = { sub: randomUUID(), org: ORG, roles: ["coordinator"], scopes: [randomUUID()] };
const mentor = { sub: MENTOR, org: ORG, roles: ["peer_mentor"] };

interface Seed {
  organizationId?: string;
  peerMentorId?: string;
  status: "pending" | "delivered" | "opened" | "read_confirmed" | "expired";
  deliveredAt?: string | null;
  openedAt?: string | null;
  readConfirmedAt?: string | null;
  createdAt: string;
}

let sequence = 0;
async function delivery(seed: Seed): Promise<string> {
  const [row] = await database
    .db("assignment_deliveries")
    .insert({
      assignment_id: randomUUID(),
      peer_mentor_id: seed.peerMentorId ?? MENTOR,
      organization_id: seed.organizationId ?? ORG,
      delivery_status: seed.status,
      delivered_at: seed.deliveredAt ?? null,
      opened_at: seed.openedAt ?? null,
      read_confirmed_at: seed.readConfirmedAt ?? null,
      accounting_period: "2026-H1",
      delivery_sequence_number: ++sequence,
      honorarium_tier: sequence === 3 ? "tier_1" : "none",
      read_receipt_required: true,
      delivery_method: "push",
      coordinator_id: coordinator.sub,
      created_at: seed.createdAt,
    })
    .returning("id");
  return (row as { id: string }).id;
}

const ids: Record<string, string> = {};

beforeAll(async () => {
  const services = inject("testServices");
  database = await createTestDatabase(services.databaseUrl);
  // 10 days before NOW is 2026-06-05T10:00Z: delivered just before it is overdue, just after it is not.
  ids.overdue = await delivery({ status: "delivered", deliveredAt: "2026-06-05T09:59:59Z", createdAt: "2026-06-05T09:59:59Z" });
  ids.recent = await delivery({ status: "delivered", deliveredAt: "2026-06-05T10:00:01Z", createdAt: "2026-06-05T10:00:01Z" });
  ids.opened = await delivery({
    status: "opened",
    deliveredAt: "2026-05-01T10:00:00Z",
    openedAt: "2026-05-02T10:00:00Z",
    createdAt: "2026-05-01T10:00:00Z",
  });
  ids.expired = await delivery({ status: "expired", deliveredAt: "2026-04-01T10:00:00Z", createdAt: "2026-04-01T10:00:00Z" });
  ids.otherMentor = await delivery({
    peerMentorId: OTHER_MENTOR,
    status: "delivered",
    deliveredAt: "2026-03-01T10:00:00Z",
    createdAt: "2026-03-01T10:00:00Z",
  });
  ids.otherOrg = await delivery({
    organizationId: OTHER_ORG,
    status: "delivered",
    deliveredAt: "2026-03-01T10:00:00Z",
    createdAt: "2026-03-01T10:00:00Z",
  });
  api = await startApi({ db: database, redisUrl: services.redisUrl, now: () => NOW });
});

afterAll(async () => {
  await api?.stop();
  await database?.drop();
});

describe("deliveries.list (coordinators)", () => {
  it("lists the organization's deliveries newest first, never another organization's", async () => {
    const result = await api.client(coordinator).deliveries.list.query({});
    expect(result.items.map((d) => d.id)).toEqual([ids.recent, ids.overdue, ids.opened, ids.expired, ids.otherMentor]);
    expect(result.total).toBe(5);
    expect(result.items[0]).toMatchObject({ status: "delivered", accountingPeriod: "2026-H1", deliveredAt: "2026-06-05T10:00:01.000Z" });
  });

  it("a coordinator sees only deliveries of their scopes' mentors or their own dispatch; an admin sees all (issue 14)", async () => {
    const scope = randomUUID();
    await seedLedger(database.db, {
      organizationId: ORG,
      scopeId: scope,
      peerMentorId: OTHER_MENTOR,
      assignmentId: randomUUID(),
      state: "counted",
      confirmedAt: "2026-03-01T10:00:00Z",
      monthKey: "2026-03",
      activityDate: "2026-03-01",
    });
    const inScope = { sub: randomUUID(), org: ORG, roles: ["coordinator"], scopes: [scope] };
    expect((await api.client(inScope).deliveries.list.query({})).items.map((d) => d.id)).toEqual([ids.otherMentor]);
    const elsewhere = { sub: randomUUID(), org: ORG, roles: ["coordinator"], scopes: [randomUUID()] };
    expect(await api.client(elsewhere).deliveries.list.query({})).toMatchObject({ items: [], total: 0 });
    const admin = { sub: randomUUID(), org: ORG, roles: ["org_admin"] };
    expect((await api.client(admin).deliveries.list.query({})).total).toBe(5);
  });

  it("filters unread (not opened), overdue for reminder (delivered, not opened, over 10 days) and by mentor", async () => {
    const client = api.client(coordinator);
    const unread = await client.deliveries.list.query({ unread: true });
    expect(unread.items.map((d) => d.id)).toEqual([ids.recent, ids.overdue, ids.expired, ids.otherMentor]);
    const overdue = await client.deliveries.list.query({ overdue: true });
    expect(overdue.items.map((d) => d.id)).toEqual([ids.overdue, ids.otherMentor]);
    const byMentor = await client.deliveries.list.query({ overdue: true, peerMentorId: OTHER_MENTOR });
    expect(byMentor.items.map((d) => d.id)).toEqual([ids.otherMentor]);
  });

  it("pages with a stable order and the total", async () => {
    const client = api.client(coordinator);
    const first = await client.deliveries.list.query({ pageSize: 2, page: 1 });
    const third = await client.deliveries.list.query({ pageSize: 2, page: 3 });
    expect([first.total, third.total]).toEqual([5, 5]);
    expect(first.items.map((d) => d.id)).toEqual([ids.recent, ids.overdue]);
    expect(third.items.map((d) => d.id)).toEqual([ids.otherMentor]);
  });

  it("refuses invalid input with BAD_REQUEST", async () => {
    const client = api.client(coordinator);
    expect(await outcome(client.deliveries.list.query({ pageSize: 0 }))).toBe("BAD_REQUEST");
    expect(await outcome(client.deliveries.list.query({ peerMentorId: "not-a-uuid" }))).toBe("BAD_REQUEST");
  });
});

describe("deliveries.forMentor", () => {
  it("gives a peer mentor their own deliveries without naming themself", async () => {
    const result = await api.client(mentor).deliveries.forMentor.query({});
    expect(result.peerMentorId).toBe(MENTOR);
    expect(result.items.map((d) => d.id)).toEqual([ids.recent, ids.overdue, ids.opened, ids.expired]);
  });

  it("lets a coordinator read any mentor of the organization, who must be named", async () => {
    const client = api.client(coordinator);
    const result = await client.deliveries.forMentor.query({ peerMentorId: OTHER_MENTOR });
    expect(result.items.map((d) => d.id)).toEqual([ids.otherMentor]);
    expect(await outcome(client.deliveries.forMentor.query({}))).toBe("BAD_REQUEST");
  });
});

import { randomUUID } from "node:crypto";
import { liveUpdatesKeys } from "@honorarium/shared/contracts";
import { createLogger } from "@honorarium/shared";
import { createRedis } from "@honorarium/shared/infra";
import { type TestDatabase, eventually } from "@honorarium/shared/testing";
import { TRPCClientError } from "@trpc/client";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { PortalClient } from "../src/client/create-portal-client.ts";
import { type Claims, type RunningApi, createTestDatabase, outcome, seedConfig, seedMonthCount, seedRecord, startApi } from "./helpers.ts";

/**
 * Every procedure × every role × own/other organization × own/other scope, each asserting allow or deny.
 * "own" is the caller's organization and scope A (mentor M1, the peer mentor caller); "otherScope" is
 * scope B of the same organization (mentor M2); "otherOrg" is another organization.
 */
const ORG = randomUUID();
const OTHER_ORG = randomUUID();
const SCOPE_A = randomUUID();
const SCOPE_B = randomUUID();
const SCOPE_P = randomUUID();
const M1 = randomUUID();
const M2 = randomUUID();
const P1 = randomUUID();

type Role = "none" | "peer_mentor" | "coordinator" | "org_admin" | "global_admin";
type Target = "own" | "otherScope" | "otherOrg";
const ROLES: Role[] = ["none", "peer_mentor", "coordinator", "org_admin", "global_admin"];

const CLAIMS: Record<Exclude<Role, "none">, Claims> = {
  peer_mentor: { sub: M1, org: ORG, roles: ["peer_mentor"] },
  coordinator: { sub: randomUUID(), org: ORG, roles: ["coordinator"], scopes: [SCOPE_A] },
  org_admin: { sub: randomUUID(), org: ORG, roles: ["org_admin"] },
  global_admin: { sub: randomUUID(), roles: ["global_admin"] },
};

const where = (target: Target) => ({
  organizationId: target === "otherOrg" ? OTHER_ORG : ORG,
  scopeId: target === "own" ? SCOPE_A : target === "otherScope" ? SCOPE_B : SCOPE_P,
  peerMentorId: target === "own" ? M1 : target === "otherScope" ? M2 : P1,
});

let database: TestDatabase;
let api: RunningApi;
let publisher: Redis;
let sequence = 0;

/** Who may: the rule each procedure implements, stated once. */
const anyone = (role: Role, target: Target) => (target === "otherOrg" ? role === "global_admin" : true);
const admins = (role: Role, target: Target) => (role === "org_admin" && target !== "otherOrg") || role === "global_admin";
const staffInScope = (role: Role, target: Target) => admins(role, target) || (role === "coordinator" && target === "own");
const staffInOrg = (role: Role, target: Target) => admins(role, target) || (role === "coordinator" && target !== "otherOrg");
const mentorData = (role: Role, target: Target) => staffInScope(role, target) || (role === "peer_mentor" && target === "own");
/** Deliveries carry no scope: staff see every mentor of their organization, a peer mentor themself. */
const mentorInOrg = (role: Role, target: Target) => staffInOrg(role, target) || (role === "peer_mentor" && target === "own");

interface Case {
  procedure: string;
  targets: Target[];
  allowed: (role: Role, target: Target) => boolean;
  call: (client: PortalClient, target: Target) => Promise<unknown>;
}

const ALL: Target[] = ["own", "otherScope", "otherOrg"];
const ORGS: Target[] = ["own", "otherOrg"];

async function freshRecord(target: Target, fields: { needsReview?: boolean } = {}): Promise<string> {
  const w = where(target);
  return seedRecord(database.db, {
    organizationId: w.organizationId,
    scopeId: w.scopeId,
    peerMentorId: w.peerMentorId,
    periodKey: `2026-${++sequence}`,
    fiscalYear: 2026,
    ...fields,
  });
}

/** A payout batch in payment holding one fresh record of the target. */
async function freshBatch(target: Target): Promise<string> {
  const w = where(target);
  const recordId = await freshRecord(target);
  const [batch] = await database
    .db("payout_batches")
    .insert({ organization_id: w.organizationId, total_amount: "500.00", record_count: 1, mentor_count: 1, created_by: w.peerMentorId })
    .returning("id");
  const batchId = (batch as { id: string }).id;
  await database.db("payout_batch_records").insert({
    batch_id: batchId,
    record_id: recordId,
    organization_id: w.organizationId,
    scope_id: w.scopeId,
    peer_mentor_id: w.peerMentorId,
    amount: "500.00",
  });
  await database.db("honorarium_records").update({ payment_status: "processing" }).where({ id: recordId });
  return batchId;
}

async function freshConfig(target: Target): Promise<string> {
  sequence++;
  return seedConfig(database.db, where(target).organizationId, {
    period_type: "quarter",
    threshold_count: 1000 + sequence,
    tier_order: 1000 + sequence,
    name: `q${sequence}`,
  });
}

const CASES: Case[] = [
  {
    procedure: "counts.forMentor",
    targets: ALL,
    allowed: mentorData,
    call: (c, t) => c.counts.forMentor.query({ organizationId: where(t).organizationId, peerMentorId: where(t).peerMentorId }),
  },
  {
    procedure: "counts.dashboard",
    targets: ALL,
    allowed: staffInScope,
    call: (c, t) => c.counts.dashboard.query({ organizationId: where(t).organizationId, scopeIds: [where(t).scopeId] }),
  },
  {
    procedure: "milestones.history",
    targets: ALL,
    allowed: mentorData,
    call: (c, t) => c.milestones.history.query({ organizationId: where(t).organizationId, peerMentorId: where(t).peerMentorId }),
  },
  {
    procedure: "configs.list",
    targets: ORGS,
    allowed: staffInOrg,
    call: (c, t) => c.configs.list.query({ organizationId: where(t).organizationId }),
  },
  {
    procedure: "configs.auditLog",
    targets: ORGS,
    allowed: admins,
    call: (c, t) => c.configs.auditLog.query({ organizationId: where(t).organizationId }),
  },
  {
    procedure: "configs.create",
    targets: ORGS,
    allowed: admins,
    call: (c, t) => {
      sequence++;
      return c.configs.create.mutate({
        organizationId: where(t).organizationId,
        name: `m${sequence}`,
        thresholdCount: 5000 + sequence,
        tierOrder: 5000 + sequence,
        honorariumAmount: "10.00",
        periodType: "month",
        effectiveFrom: "2030-01-01T00:00:00Z",
      });
    },
  },
  {
    procedure: "configs.update",
    targets: ORGS,
    allowed: admins,
    call: async (c, t) =>
      c.configs.update.mutate({ organizationId: where(t).organizationId, id: await freshConfig(t), changes: { name: "renamed" } }),
  },
  {
    procedure: "configs.deactivate",
    targets: ORGS,
    allowed: admins,
    call: async (c, t) => c.configs.deactivate.mutate({ organizationId: where(t).organizationId, id: await freshConfig(t) }),
  },
  {
    procedure: "payments.transition",
    targets: ALL,
    allowed: staffInScope,
    call: async (c, t) =>
      c.payments.transition.mutate({ organizationId: where(t).organizationId, recordId: await freshRecord(t), to: "processing" }),
  },
  {
    procedure: "payments.history",
    targets: ALL,
    allowed: staffInScope,
    call: async (c, t) => c.payments.history.query({ organizationId: where(t).organizationId, recordId: await freshRecord(t) }),
  },
  {
    procedure: "statements.period",
    targets: ALL,
    allowed: staffInScope,
    call: (c, t) =>
      c.statements.period.query({
        organizationId: where(t).organizationId,
        scopeIds: [where(t).scopeId],
        periodType: "calendar_year",
        periodKey: "2026",
      }),
  },
  {
    procedure: "statements.exportCsv",
    targets: ALL,
    allowed: staffInScope,
    call: (c, t) =>
      c.statements.exportCsv.query({
        organizationId: where(t).organizationId,
        scopeIds: [where(t).scopeId],
        periodType: "calendar_year",
        periodKey: "2026",
      }),
  },
  {
    procedure: "payouts.preview",
    targets: ALL,
    allowed: staffInScope,
    call: async (c, t) =>
      c.payouts.preview.query({ organizationId: where(t).organizationId, scopeIds: [where(t).scopeId], recordIds: [await freshRecord(t)] }),
  },
  {
    procedure: "payouts.create",
    targets: ALL,
    allowed: staffInScope,
    call: async (c, t) =>
      c.payouts.create.mutate({ organizationId: where(t).organizationId, scopeIds: [where(t).scopeId], recordIds: [await freshRecord(t)] }),
  },
  {
    procedure: "payouts.list",
    targets: ORGS,
    allowed: staffInOrg,
    call: (c, t) => c.payouts.list.query({ organizationId: where(t).organizationId }),
  },
  {
    procedure: "payouts.get",
    targets: ALL,
    allowed: staffInScope,
    call: async (c, t) => c.payouts.get.query({ organizationId: where(t).organizationId, batchId: await freshBatch(t) }),
  },
  {
    procedure: "payouts.export",
    targets: ALL,
    allowed: staffInScope,
    call: async (c, t) => c.payouts.export.query({ organizationId: where(t).organizationId, batchId: await freshBatch(t) }),
  },
  {
    procedure: "payouts.markPaid",
    targets: ALL,
    allowed: staffInScope,
    call: async (c, t) =>
      c.payouts.markPaid.mutate({
        organizationId: where(t).organizationId,
        batchId: await freshBatch(t),
        paymentReference: "PAY-1",
        paidOn: "2026-06-15",
      }),
  },
  {
    procedure: "payouts.release",
    targets: ALL,
    allowed: staffInScope,
    call: async (c, t) =>
      c.payouts.release.mutate({ organizationId: where(t).organizationId, batchId: await freshBatch(t), reason: "redo" }),
  },
  {
    procedure: "records.flagged",
    targets: ORGS,
    allowed: staffInOrg,
    call: (c, t) => c.records.flagged.query({ organizationId: where(t).organizationId }),
  },
  {
    procedure: "records.resolveReview",
    targets: ALL,
    allowed: staffInScope,
    call: async (c, t) =>
      c.records.resolveReview.mutate({
        organizationId: where(t).organizationId,
        recordId: await freshRecord(t, { needsReview: true }),
        resolution: "checked the ledger",
      }),
  },
  {
    procedure: "bufdir.aggregate",
    targets: ORGS,
    allowed: admins,
    call: (c, t) => c.bufdir.aggregate.query({ organizationId: where(t).organizationId, year: 2026 }),
  },
  {
    procedure: "bufdir.exportCsv",
    targets: ORGS,
    allowed: admins,
    call: (c, t) => c.bufdir.exportCsv.query({ organizationId: where(t).organizationId, year: 2026 }),
  },
  {
    procedure: "notifications.list",
    targets: ORGS,
    allowed: anyone,
    call: (c, t) => c.notifications.list.query({ organizationId: where(t).organizationId }),
  },
  {
    procedure: "notifications.markRead",
    targets: ORGS,
    allowed: anyone,
    call: (c, t) => c.notifications.markRead.mutate({ organizationId: where(t).organizationId, all: true }),
  },
  {
    procedure: "notifications.failed",
    targets: ORGS,
    allowed: staffInOrg,
    call: (c, t) => c.notifications.failed.query({ organizationId: where(t).organizationId }),
  },
  {
    procedure: "push.subscribe",
    targets: ORGS,
    allowed: anyone,
    call: (c, t) =>
      c.push.subscribe.mutate({
        organizationId: where(t).organizationId,
        endpoint: `https://push.example.org/send/${randomUUID()}`,
        keys: { p256dh: "B".repeat(87), auth: "A".repeat(22) },
      }),
  },
  {
    procedure: "push.unsubscribe",
    targets: ORGS,
    allowed: anyone,
    call: (c, t) =>
      c.push.unsubscribe.mutate({ organizationId: where(t).organizationId, endpoint: `https://push.example.org/send/${randomUUID()}` }),
  },
  {
    procedure: "webhooks.get",
    targets: ORGS,
    allowed: admins,
    call: (c, t) => c.webhooks.get.query({ organizationId: where(t).organizationId }),
  },
  {
    procedure: "webhooks.set",
    targets: ORGS,
    allowed: admins,
    call: (c, t) => c.webhooks.set.mutate({ organizationId: where(t).organizationId, url: "https://hooks.example.org/h" }),
  },
  {
    procedure: "webhooks.disable",
    targets: ORGS,
    allowed: admins,
    call: (c, t) => c.webhooks.disable.mutate({ organizationId: where(t).organizationId }),
  },
  {
    procedure: "webhooks.replay",
    targets: ORGS,
    allowed: admins,
    call: (c, t) =>
      c.webhooks.replay.mutate({ organizationId: where(t).organizationId, since: "2026-01-01T00:00:00Z", until: "2026-01-31T00:00:00Z" }),
  },
  {
    procedure: "webhooks.attempts",
    targets: ORGS,
    allowed: admins,
    call: (c, t) => c.webhooks.attempts.query({ organizationId: where(t).organizationId }),
  },
  {
    procedure: "deliveries.list",
    targets: ORGS,
    allowed: staffInOrg,
    call: (c, t) => c.deliveries.list.query({ organizationId: where(t).organizationId, unread: true }),
  },
  {
    procedure: "deliveries.forMentor",
    targets: ALL,
    allowed: mentorInOrg,
    call: (c, t) => c.deliveries.forMentor.query({ organizationId: where(t).organizationId, peerMentorId: where(t).peerMentorId }),
  },
  {
    procedure: "organizations.settings",
    targets: ORGS,
    allowed: staffInOrg,
    call: (c, t) => c.organizations.settings.query({ organizationId: where(t).organizationId }),
  },
  {
    procedure: "organizations.update",
    targets: ORGS,
    allowed: admins,
    call: (c, t) => c.organizations.update.mutate({ organizationId: where(t).organizationId, displayName: `Org ${++sequence}` }),
  },
  {
    procedure: "organizations.setTaxFreeLimit",
    targets: ORGS,
    allowed: admins,
    call: (c, t) =>
      c.organizations.setTaxFreeLimit.mutate({ organizationId: where(t).organizationId, incomeYear: 2030, limitAmount: "10000.00" }),
  },
  {
    procedure: "organizations.setScopeName",
    targets: ORGS,
    allowed: admins,
    call: (c, t) =>
      c.organizations.setScopeName.mutate({ organizationId: where(t).organizationId, scopeId: where(t).scopeId, displayName: "RK" }),
  },
  {
    procedure: "organizations.setPayeeReference",
    targets: ORGS,
    allowed: admins,
    call: (c, t) =>
      c.organizations.setPayeeReference.mutate({
        organizationId: where(t).organizationId,
        peerMentorId: where(t).peerMentorId,
        payeeReference: `P-${++sequence}`,
      }),
  },
  {
    procedure: "organizations.auditLog",
    targets: ORGS,
    allowed: admins,
    call: (c, t) => c.organizations.auditLog.query({ organizationId: where(t).organizationId }),
  },
];

beforeAll(async () => {
  const services = inject("testServices");
  database = await createTestDatabase(services.databaseUrl);
  for (const organizationId of [ORG, OTHER_ORG]) {
    await seedConfig(database.db, organizationId, { threshold_count: 3, tier_order: 1 });
    await seedConfig(database.db, organizationId, {
      threshold_count: 15,
      tier_order: 2,
      name: "Higher rate",
      threshold_level: "higher_rate",
    });
    await database
      .db("organization_webhooks")
      .insert({ organization_id: organizationId, url: "https://hooks.example.org/x", secret: `whsec_${"A".repeat(44)}` });
  }
  for (const target of ALL) {
    const w = where(target);
    await seedMonthCount(database.db, {
      organizationId: w.organizationId,
      scopeId: w.scopeId,
      peerMentorId: w.peerMentorId,
      monthKey: "2026-02",
      count: 4,
    });
  }
  api = await startApi({ db: database, redisUrl: services.redisUrl, now: () => new Date("2026-06-15T10:00:00Z") });
  publisher = createRedis(services.redisUrl, createLogger("test-publisher", "silent"));
  await publisher.connect();
});

afterAll(async () => {
  await api?.stop();
  publisher?.disconnect();
  await database?.drop();
});

describe("authorization matrix", () => {
  for (const testCase of CASES) {
    for (const role of ROLES) {
      for (const target of testCase.targets) {
        const expected = role === "none" ? "UNAUTHORIZED" : testCase.allowed(role, target) ? "OK" : "FORBIDDEN";
        it(`${testCase.procedure} as ${role} on ${target}: ${expected}`, async () => {
          const client = api.client(role === "none" ? null : CLAIMS[role]);
          expect(await outcome(testCase.call(client, target))).toBe(expected);
        });
      }
    }
  }

  // The subscription: refused up front when not allowed; when allowed, the caller receives changes of the target organization.
  for (const role of ROLES) {
    for (const target of ORGS) {
      const expected = role === "none" ? "UNAUTHORIZED" : anyone(role, target) ? "OK" : "FORBIDDEN";
      it(`counts.onChange as ${role} on ${target}: ${expected}`, async () => {
        const client = api.client(role === "none" ? null : CLAIMS[role]);
        const w = where(target);
        let received = 0;
        let errorCode: string | undefined;
        const subscription = client.counts.onChange.subscribe(
          { organizationId: w.organizationId },
          {
            onData: () => {
              received++;
            },
            onError: (error) => {
              errorCode = error instanceof TRPCClientError ? String((error.data as { code?: string } | undefined)?.code) : "UNKNOWN";
            },
          },
        );
        try {
          const result = await eventually(
            async () => {
              if (errorCode !== undefined) return errorCode;
              if (received > 0) return "OK";
              // M1 in scope A (own) or P1 (other org): visible to every role allowed on that organization.
              const mentor = target === "own" ? M1 : P1;
              await publisher.publish(
                liveUpdatesKeys(api.config.LIVE_UPDATES_PREFIX).channel,
                JSON.stringify({
                  organizationId: w.organizationId,
                  scopeId: w.scopeId,
                  peerMentorId: mentor,
                  monthKeys: ["2026-06"],
                  crossedRecordIds: [],
                  at: new Date().toISOString(),
                }),
              );
              return undefined;
            },
            20_000,
            "the subscription to answer",
          );
          expect(result).toBe(expected);
        } finally {
          subscription.unsubscribe();
        }
      });
    }
  }
});

import { randomUUID } from "node:crypto";
import type { TestDatabase } from "@honorarium/shared/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { appRouter } from "../src/routers/app.router.ts";
import { type RunningApi, createTestDatabase, seedConfig, seedRecord, signToken, startApi } from "./helpers.ts";

/**
 * Random and malformed input at every procedure, as every kind of caller: the answer is always a
 * typed 4xx or a success — never a 5xx, a stack trace or SQL. Seeded PRNG: a failure is reproducible.
 */
const ORG = randomUUID();
let database: TestDatabase;
let api: RunningApi;
let recordId: string;
let configId: string;

function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY_STRINGS = [
  "",
  " ",
  "'; drop table threshold_configs; --",
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-ffff-ffff-ffffffffffff",
  "not-a-uuid",
  "2026-13-45T99:99:99Z",
  "1e309",
  "-0",
  "NaN",
  "\u0000",
  "💥".repeat(50),
  "x".repeat(100_000),
  "<script>alert(1)</script>",
  "../../etc/passwd",
  "javascript:alert(1)",
  "https://169.254.169.254/",
  "http://127.0.0.1:1/",
  "9999999999999999999999",
  "0.001",
  "9999999999999.99",
  "1-1",
  "99999999999999999999999-0",
  "__proto__",
];
const NASTY_NUMBERS = [0, -1, 1.5, 2 ** 31, -(2 ** 63), Number.MAX_SAFE_INTEGER, 1e308, 2000, 2100, 1999, 2101];

function randomValue(random: () => number, depth = 0): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const kind = Math.floor(random() * (depth > 2 ? 6 : 8));
  switch (kind) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return pick(NASTY_NUMBERS);
    case 3:
    case 4:
      return pick(NASTY_STRINGS);
    case 5:
      return randomUUID();
    case 6:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(random() * 5) }, () => [pick(FIELD_NAMES), randomValue(random, depth + 1)]),
      );
  }
}

const FIELD_NAMES = [
  "organizationId",
  "peerMentorId",
  "scopeIds",
  "recordId",
  "id",
  "to",
  "note",
  "year",
  "page",
  "pageSize",
  "sortBy",
  "direction",
  "name",
  "thresholdCount",
  "honorariumAmount",
  "currency",
  "periodType",
  "tierOrder",
  "effectiveFrom",
  "effectiveUntil",
  "changes",
  "override",
  "resolution",
  "cancelPayment",
  "ids",
  "all",
  "endpoint",
  "keys",
  "url",
  "rotateSecret",
  "lastEventId",
  "includeInactive",
  "limit",
  "before",
  "unreadOnly",
  "fiscalYear",
  "configId",
  "__proto__",
  "constructor",
];

/** Plausible inputs with one field broken: reaches deeper than pure noise. */
function mutatedValid(random: () => number): Record<string, unknown> {
  const validish: Record<string, unknown> = {
    organizationId: ORG,
    peerMentorId: randomUUID(),
    recordId: random() < 0.5 ? recordId : randomUUID(),
    id: random() < 0.5 ? configId : randomUUID(),
    to: ["processing", "paid", "cancelled"][Math.floor(random() * 3)],
    year: 2026,
    name: "Tier",
    thresholdCount: 1 + Math.floor(random() * 50),
    honorariumAmount: "100.00",
    periodType: "month",
    tierOrder: Math.floor(random() * 50),
    effectiveFrom: "2030-01-01T00:00:00Z",
    changes: { name: "Renamed" },
    resolution: "checked",
    url: "https://hooks.example.org/x",
    endpoint: "https://push.example.org/x",
    keys: { p256dh: "B".repeat(87), auth: "A".repeat(22) },
    all: true,
    periodKey: random() < 0.5 ? "2026" : "2026-07",
    recordIds: [recordId],
    batchId: randomUUID(),
    paymentReference: "PAY-1",
    paidOn: "2026-11-20",
    reason: "redo",
    timeZone: random() < 0.5 ? "Europe/Oslo" : "America/New_York",
    locale: "en",
    displayName: "RK Nord",
    incomeYear: 2026,
    limitAmount: "10000.00",
    scopeId: randomUUID(),
    payeeReference: random() < 0.5 ? null : "payroll:1",
  };
  const key = FIELD_NAMES[Math.floor(random() * FIELD_NAMES.length)] as string;
  validish[key] = randomValue(random);
  return validish;
}

const ROLES = [
  { sub: randomUUID(), roles: ["global_admin"] },
  { sub: randomUUID(), org: ORG, roles: ["org_admin"] },
  { sub: randomUUID(), org: ORG, roles: ["coordinator"], scopes: [randomUUID()] },
  { sub: randomUUID(), org: ORG, roles: ["peer_mentor"] },
];

beforeAll(async () => {
  const services = inject("testServices");
  database = await createTestDatabase(services.databaseUrl);
  configId = await seedConfig(database.db, ORG);
  await seedConfig(database.db, ORG, { threshold_count: 15, tier_order: 2 });
  recordId = await seedRecord(database.db, { organizationId: ORG, scopeId: null, peerMentorId: randomUUID(), needsReview: true });
  api = await startApi({ db: database, redisUrl: services.redisUrl, env: { LOG_LEVEL: "silent" } });
});

afterAll(async () => {
  await api?.stop();
  await database?.drop();
});

const procedures = Object.entries(
  appRouter._def.procedures as unknown as Record<string, { _def: { type: "query" | "mutation" | "subscription" } }>,
);

async function send(
  path: string,
  type: string,
  token: string | undefined,
  body: string,
  signal: AbortSignal,
): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  const url = `${api.url}/${path}`;
  const response =
    type === "mutation"
      ? await fetch(url, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body, signal })
      : await fetch(`${url}?input=${encodeURIComponent(body)}`, { headers, signal });
  // An accepted subscription is an endless SSE stream: its status is the answer.
  const text = type === "subscription" && response.status === 200 ? "" : await response.text();
  return { status: response.status, text };
}

describe("fuzz: never a 500", () => {
  it("has every procedure of the contract", () => {
    expect(procedures.map(([path]) => path).sort()).toEqual(
      [
        "activity.onChange",
        "bufdir.aggregate",
        "bufdir.exportCsv",
        "configs.auditLog",
        "configs.create",
        "configs.deactivate",
        "configs.list",
        "configs.update",
        "counts.dashboard",
        "counts.forMentor",
        "counts.onChange",
        "deliveries.forMentor",
        "deliveries.list",
        "milestones.history",
        "notifications.failed",
        "notifications.list",
        "notifications.markRead",
        "openingBalances.import",
        "openingBalances.list",
        "organizations.auditLog",
        "organizations.setPayeeReference",
        "organizations.setScopeName",
        "organizations.setTaxFreeLimit",
        "organizations.settings",
        "organizations.update",
        "payments.history",
        "payments.transition",
        "payouts.create",
        "payouts.export",
        "payouts.get",
        "payouts.list",
        "payouts.markPaid",
        "payouts.preview",
        "payouts.release",
        "preferences.digests",
        "preferences.get",
        "preferences.set",
        "preferences.setDigest",
        "push.subscribe",
        "push.unsubscribe",
        "push.vapidPublicKey",
        "records.flagged",
        "records.resolveReview",
        "statements.exportCsv",
        "statements.period",
        "webhooks.attempts",
        "webhooks.disable",
        "webhooks.enable",
        "webhooks.get",
        "webhooks.replay",
        "webhooks.rotateSecret",
        "webhooks.set",
      ].sort(),
    );
  });

  for (const [path, procedure] of procedures) {
    it(`${path}`, async () => {
      const random = prng([...path].reduce((sum, c) => sum + c.charCodeAt(0), 0));
      const tokens = await Promise.all(ROLES.map((claims) => signToken(claims)));
      const bodies: string[] = [
        "",
        "{",
        "null",
        "[]",
        '"string"',
        '{"0":{}}',
        '{"__proto__":{"polluted":true}}',
        JSON.stringify({ organizationId: "x".repeat(5000) }),
      ];
      for (let i = 0; i < 24; i++) bodies.push(JSON.stringify(randomValue(random)));
      for (let i = 0; i < 24; i++) bodies.push(JSON.stringify(mutatedValid(random)));
      const statuses = new Map<number, number>();
      for (const [i, body] of bodies.entries()) {
        const token = i % 5 === 4 ? undefined : tokens[i % tokens.length];
        const controller = new AbortController();
        try {
          const { status, text } = await send(path, procedure._def.type, token, body, controller.signal);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          expect(status, `${path} with ${body.slice(0, 200)}`).toBeLessThan(500);
          expect(text).not.toMatch(/"stack"|\.ts:\d+:\d+|\bselect\b.*\bfrom\b|\binsert into\b|violates .* constraint/i);
        } finally {
          controller.abort();
        }
      }
      expect([...statuses.keys()].every((status) => status < 500)).toBe(true);
      expect(Object.is(({} as Record<string, unknown>).polluted, undefined)).toBe(true);
    });
  }
});

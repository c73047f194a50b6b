import { randomUUID } from "node:crypto";
import type { TestDatabase } from "@honorarium/shared/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadTiersForEvaluation } from "@honorarium/shared/db";
import { tiersEffectiveAt } from "@honorarium/shared/domain";
import { type RunningApi, createTestDatabase, errorOf, outcome, seedConfig, seedRecord, startApi } from "./helpers.ts";

/** Spec 002: every validation rule and business rule, each with a failing and a passing case, through the API. */
const NOW = new Date("2026-06-15T10:00:00Z");
let database: TestDatabase;
let api: RunningApi;

const adminOf = (org: string) => ({ sub: randomUUID(), org, roles: ["org_admin"] });
const valid = {
  name: "Office honorarium",
  thresholdCount: 3,
  honorariumAmount: "500.00",
  periodType: "calendar_year" as const,
  tierOrder: 1,
  effectiveFrom: "2026-07-01T00:00:00+02:00",
};

async function newOrg(): Promise<{ org: string; admin: ReturnType<RunningApi["client"]> }> {
  const org = randomUUID();
  return { org, admin: api.client(adminOf(org)) };
}

beforeAll(async () => {
  const services = inject("testServices");
  database = await createTestDatabase(services.databaseUrl);
  api = await startApi({ db: database, redisUrl: services.redisUrl, now: () => NOW });
});

afterAll(async () => {
  await api?.stop();
  await database?.drop();
});

describe("validation rules", () => {
  const cases: [rule: string, field: string, bad: Record<string, unknown>, good: Record<string, unknown>][] = [
    ["threshold_count_positive", "thresholdCount", { thresholdCount: 0 }, { thresholdCount: 1 }],
    ["honorarium_amount_non_negative", "honorariumAmount", { honorariumAmount: "-1.00" }, { honorariumAmount: "0.00" }],
    ["effective_from_required", "effectiveFrom", { effectiveFrom: undefined }, { effectiveFrom: "2026-06-15T12:00:00Z" }],
    [
      "effective_until_after_from",
      "effectiveUntil",
      { effectiveUntil: valid.effectiveFrom },
      { effectiveUntil: "2027-01-01T00:00:00+01:00" },
    ],
    ["name_not_blank", "name", { name: "   " }, { name: "Kontorhonorar" }],
    ["valid_period_type_enum", "periodType", { periodType: "weekly" }, { periodType: "quarter" }],
    ["tier_order_non_negative", "tierOrder", { tierOrder: -1 }, { tierOrder: 0 }],
    ["currency_iso_format", "currency", { currency: "nok" }, { currency: "EUR" }],
  ];
  for (const [rule, field, bad, good] of cases) {
    it(`${rule}: refused with a field error, accepted when valid`, async () => {
      const { admin } = await newOrg();
      const error = await errorOf(admin.configs.create.mutate({ ...valid, ...bad } as typeof valid));
      expect(error.data?.code).toBe("BAD_REQUEST");
      expect(Object.keys(error.data?.fieldErrors ?? {})).toContain(field);
      const created = await admin.configs.create.mutate({ ...valid, ...good } as typeof valid);
      expect(created.config.isActive).toBe(true);
    });
  }

  it("valid_organization_reference: a malformed or foreign organization id is refused, the own one accepted", async () => {
    const { org, admin } = await newOrg();
    expect(await outcome(admin.configs.create.mutate({ ...valid, organizationId: "not-a-uuid" }))).toBe("BAD_REQUEST");
    expect(await outcome(admin.configs.create.mutate({ ...valid, organizationId: randomUUID() }))).toBe("FORBIDDEN");
    expect((await admin.configs.create.mutate({ ...valid, organizationId: org })).config.organizationId).toBe(org);
  });
});

describe("business rules", () => {
  it("unique_threshold_count_per_org_period: a second active config with the same count and period type conflicts", async () => {
    const { admin } = await newOrg();
    const first = await admin.configs.create.mutate(valid);
    const error = await errorOf(admin.configs.create.mutate({ ...valid, name: "Duplicate", tierOrder: 1 }));
    expect(error.data?.code).toBe("CONFLICT");
    expect(error.data?.rule).toBe("unique_threshold_count_per_org_period");
    // Another period type, or after the first is deactivated, is fine.
    await admin.configs.create.mutate({ ...valid, periodType: "month", name: "Monthly" });
    await admin.configs.deactivate.mutate({ id: first.config.id });
    expect((await admin.configs.create.mutate({ ...valid, name: "Replacement" })).config.thresholdCount).toBe(3);
  });

  it("ascending_honorarium_with_tier: a higher tier_order may not have a lower threshold_count", async () => {
    const { admin } = await newOrg();
    await admin.configs.create.mutate(valid);
    await admin.configs.create.mutate({ ...valid, name: "Higher rate", thresholdCount: 15, tierOrder: 2 });
    const error = await errorOf(admin.configs.create.mutate({ ...valid, name: "Odd", thresholdCount: 10, tierOrder: 3 }));
    expect(error.data?.code).toBe("BAD_REQUEST");
    expect(error.data?.rule).toBe("ascending_honorarium_with_tier");
    expect((await admin.configs.create.mutate({ ...valid, name: "Top", thresholdCount: 20, tierOrder: 3 })).config.tierOrder).toBe(3);
  });

  it("org_admin_only_modification: coordinators read, only admins write", async () => {
    const { org, admin } = await newOrg();
    const coordinator = api.client({ sub: randomUUID(), org, roles: ["coordinator"], scopes: [] });
    expect(await outcome(coordinator.configs.create.mutate(valid))).toBe("FORBIDDEN");
    const created = await admin.configs.create.mutate(valid);
    expect(await outcome(coordinator.configs.update.mutate({ id: created.config.id, changes: { name: "x" } }))).toBe("FORBIDDEN");
    expect(await outcome(coordinator.configs.deactivate.mutate({ id: created.config.id }))).toBe("FORBIDDEN");
    expect((await coordinator.configs.list.query({})).configs.map((c) => c.id)).toEqual([created.config.id]);
    const global = api.client({ sub: randomUUID(), roles: ["global_admin"] });
    expect(
      (await global.configs.create.mutate({ ...valid, organizationId: org, name: "By global", thresholdCount: 30, tierOrder: 9 })).config
        .name,
    ).toBe("By global");
  });

  it("no_retroactive_effective_date: not before the current period in the organization's zone, unless overridden with a reason (audited)", async () => {
    const { admin } = await newOrg();
    // The 2026 year starts 2025-12-31T23:00Z in Oslo.
    const error = await errorOf(admin.configs.create.mutate({ ...valid, effectiveFrom: "2025-12-31T22:59:59Z" }));
    expect(error.data?.code).toBe("BAD_REQUEST");
    expect(error.data?.rule).toBe("no_retroactive_effective_date");
    expect((await admin.configs.create.mutate({ ...valid, effectiveFrom: "2025-12-31T23:00:00Z" })).overridden).toBe(false);
    // Monthly: June 2026 starts 2026-05-31T22:00Z (CEST).
    expect(await outcome(admin.configs.create.mutate({ ...valid, periodType: "month", effectiveFrom: "2026-05-31T21:59:00Z" }))).toBe(
      "BAD_REQUEST",
    );
    const overridden = await admin.configs.create.mutate({
      ...valid,
      periodType: "month",
      effectiveFrom: "2026-01-01T00:00:00+01:00",
      override: { reason: "grant terms changed retroactively" },
    });
    expect(overridden.overridden).toBe(true);
    const log = await admin.configs.auditLog.query({ configId: overridden.config.id });
    expect(log.entries).toHaveLength(1);
    expect(log.entries[0]).toMatchObject({ action: "create", overrideReason: "grant terms changed retroactively" });
  });

  it("deactivation_over_deletion: a used config is deactivated, never deleted; its crossings keep pointing at it", async () => {
    const { org, admin } = await newOrg();
    const used = await admin.configs.create.mutate({ ...valid, effectiveFrom: "2026-01-01T00:00:00+01:00" });
    await admin.configs.create.mutate({ ...valid, name: "Higher", thresholdCount: 15, tierOrder: 2 });
    const record = await seedRecord(database.db, {
      organizationId: org,
      scopeId: null,
      peerMentorId: randomUUID(),
      configId: used.config.id,
      fiscalYear: 2026,
    });
    const { config } = await admin.configs.deactivate.mutate({ id: used.config.id });
    expect(config.isActive).toBe(false);
    // It keeps applying to assignments confirmed before now (late events), and to none after.
    expect(config.effectiveUntil).toBe(NOW.toISOString());
    const all = await admin.configs.list.query({ includeInactive: true });
    expect(all.configs.find((c) => c.id === used.config.id)?.isActive).toBe(false);
    expect(await database.db("honorarium_records").where({ id: record }).first()).toMatchObject({ threshold_config_id: used.config.id });
    // Deactivating twice is refused; there is no delete procedure at all.
    expect(await outcome(admin.configs.deactivate.mutate({ id: used.config.id }))).toBe("CONFLICT");
    const raw = await fetch(`${api.url}/configs.delete`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    expect(raw.status).toBe(404);
  });

  it("a configuration deactivated before it takes effect never applies, even with an end date", async () => {
    const { org, admin } = await newOrg();
    await admin.configs.create.mutate(valid);
    const future = await admin.configs.create.mutate({
      ...valid,
      name: "Autumn campaign",
      periodType: "quarter",
      effectiveFrom: "2026-09-01T00:00:00+02:00",
      effectiveUntil: "2026-12-01T00:00:00+01:00",
    });
    const { config } = await admin.configs.deactivate.mutate({ id: future.config.id });
    expect(config).toMatchObject({ isActive: false, effectiveUntil: null });
    // What the counter evaluates (shared/db loader + shared/domain rule), inside the old window:
    const tiers = (await loadTiersForEvaluation(database.db, [org])).get(org) ?? [];
    expect(tiersEffectiveAt(tiers, new Date("2026-10-15T10:00:00Z")).map((tier) => tier.name)).not.toContain("Autumn campaign");
  });

  it("at_least_one_active_config: deactivating the last active config is blocked", async () => {
    const { admin } = await newOrg();
    const only = await admin.configs.create.mutate(valid);
    const error = await errorOf(admin.configs.deactivate.mutate({ id: only.config.id }));
    expect(error.data?.code).toBe("PRECONDITION_FAILED");
    expect(error.data?.rule).toBe("at_least_one_active_config");
    await admin.configs.create.mutate({ ...valid, name: "Second", thresholdCount: 15, tierOrder: 2 });
    expect((await admin.configs.deactivate.mutate({ id: only.config.id })).config.isActive).toBe(false);
  });

  it("changes affect future evaluations only: updating a config in effect retires it and creates a new version", async () => {
    const { org, admin } = await newOrg();
    const original = await admin.configs.create.mutate({ ...valid, effectiveFrom: "2026-01-01T00:00:00+01:00" });
    await seedRecord(database.db, {
      organizationId: org,
      scopeId: null,
      peerMentorId: randomUUID(),
      configId: original.config.id,
      fiscalYear: 2026,
      rate: "500.00",
    });
    const updated = await admin.configs.update.mutate({ id: original.config.id, changes: { honorariumAmount: "650.00" } });
    expect(updated.versioned).toBe(true);
    expect(updated.supersededConfigId).toBe(original.config.id);
    expect(updated.config).toMatchObject({
      honorariumAmount: "650.00",
      thresholdCount: 3,
      isActive: true,
      effectiveFrom: NOW.toISOString(),
    });
    const all = (await admin.configs.list.query({ includeInactive: true })).configs;
    expect(all.find((c) => c.id === original.config.id)).toMatchObject({
      isActive: false,
      honorariumAmount: "500.00",
      effectiveUntil: NOW.toISOString(),
    });
    // The crossing keeps its rate.
    expect((await database.db("honorarium_records").where({ organization_id: org }).first()).honorarium_rate).toBe("500.00");
    // tier_order is the tier's identity across versions (crossings are unique per tier): it cannot move.
    const moved = await errorOf(admin.configs.update.mutate({ id: updated.config.id, changes: { tierOrder: 7 } }));
    expect(moved.data?.code).toBe("CONFLICT");
    expect(moved.data?.rule).toBe("tier_identity_across_versions");
    // A config that has not taken effect and was never used is edited in place.
    const future = await admin.configs.create.mutate({
      ...valid,
      name: "Future",
      thresholdCount: 40,
      tierOrder: 5,
      effectiveFrom: "2027-01-01T00:00:00+01:00",
    });
    const edited = await admin.configs.update.mutate({ id: future.config.id, changes: { name: "Future tier" } });
    expect(edited).toMatchObject({ versioned: false, supersededConfigId: null, config: { id: future.config.id, name: "Future tier" } });
    // The update path applies the same rules: a clash with an active count conflicts.
    expect(
      await outcome(admin.configs.update.mutate({ id: future.config.id, changes: { thresholdCount: 3, periodType: "calendar_year" } })),
    ).toBe("CONFLICT");
  });

  it("every change is audited with who, when, before and after", async () => {
    const { admin } = await newOrg();
    const actor = randomUUID();
    const org = (await admin.configs.create.mutate(valid)).config.organizationId;
    const me = api.client({ sub: actor, org, roles: ["org_admin"] });
    const created = await me.configs.create.mutate({
      ...valid,
      name: "Audited",
      thresholdCount: 15,
      tierOrder: 2,
      effectiveFrom: "2026-09-01T00:00:00+02:00",
    });
    await me.configs.update.mutate({ id: created.config.id, changes: { description: "Higher rate per the 2026 grant" } });
    await me.configs.deactivate.mutate({ id: created.config.id });
    const log = await me.configs.auditLog.query({ configId: created.config.id });
    expect(log.entries.map((e) => e.action)).toEqual(["deactivate", "update", "create"]);
    for (const entry of log.entries) {
      expect(entry.actorId).toBe(actor);
      expect(entry.actorRoles).toEqual(["org_admin"]);
      expect(Number.isNaN(Date.parse(entry.occurredAt))).toBe(false);
    }
    expect(log.entries[2]).toMatchObject({ before: null, after: { name: "Audited", isActive: true } });
    expect(log.entries[1]).toMatchObject({ before: { description: null }, after: { description: "Higher rate per the 2026 grant" } });
    expect(log.entries[0]).toMatchObject({ before: { isActive: true }, after: { isActive: false } });
  });

  it("the unique index backs the rule under concurrency: parallel creates leave one active config", async () => {
    const { admin } = await newOrg();
    const results = await Promise.all(Array.from({ length: 4 }, () => outcome(admin.configs.create.mutate(valid))));
    expect(results.filter((r) => r === "OK")).toHaveLength(1);
    expect(results.filter((r) => r === "CONFLICT")).toHaveLength(3);
  });
});

describe("seeded configs", () => {
  it("list shows tiers in order, inactive only when asked", async () => {
    const org = randomUUID();
    await seedConfig(database.db, org, { threshold_count: 15, tier_order: 2, name: "Higher" });
    await seedConfig(database.db, org, { threshold_count: 3, tier_order: 1, name: "Office" });
    await seedConfig(database.db, org, { threshold_count: 99, tier_order: 3, name: "Old", is_active: false });
    const admin = api.client(adminOf(org));
    expect((await admin.configs.list.query({})).configs.map((c) => c.name)).toEqual(["Office", "Higher"]);
    expect((await admin.configs.list.query({ includeInactive: true })).configs.map((c) => c.name)).toEqual(["Office", "Higher", "Old"]);
  });
});

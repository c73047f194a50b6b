import { randomUUID } from "node:crypto";
import type { TestDatabase } from "@honorarium/shared/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { PortalClient } from "../src/client/create-portal-client.ts";
import { type Claims, type RunningApi, createTestDatabase, errorOf, outcome, seedLedger, seedRecord, startApi } from "./helpers.ts";

/** Issue 12, item 5: organisation settings through the API, against the real Postgres and Redis. */
const NOW = new Date("2026-06-15T10:00:00Z");
let database: TestDatabase;
let api: RunningApi;

interface Org {
  org: string;
  adminClaims: Claims;
  admin: PortalClient;
  coordinator: PortalClient;
  mentor: PortalClient;
}

function newOrg(): Org {
  const org = randomUUID();
  const adminClaims: Claims = { sub: randomUUID(), org, roles: ["org_admin"] };
  return {
    org,
    adminClaims,
    admin: api.client(adminClaims),
    coordinator: api.client({ sub: randomUUID(), org, roles: ["coordinator"], scopes: [randomUUID()] }),
    mentor: api.client({ sub: randomUUID(), org, roles: ["peer_mentor"] }),
  };
}

async function fieldErrorsOf(call: Promise<unknown>): Promise<{ code: string | undefined; fields: string[] }> {
  const error = await errorOf(call);
  return { code: error.data?.code, fields: Object.keys(error.data?.fieldErrors ?? {}) };
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

describe("organizations.settings", () => {
  it("an organisation that has set nothing reads the defaults (Europe/Oslo, nb, NOK 10,000)", async () => {
    const { org, admin } = newOrg();
    expect(await admin.organizations.settings.query({})).toEqual({
      organizationId: org,
      displayName: null,
      timeZone: "Europe/Oslo",
      timeZoneChangeable: true,
      locale: "nb",
      currency: "NOK",
      taxFree: { incomeYear: 2026, limitAmount: "10000.00", defaultLimitAmount: "10000.00", byIncomeYear: [] },
      scopeNames: [],
      payeeReferences: [],
      updatedAt: null,
      updatedBy: null,
    });
  });

  it("shows what was set: display name, zone, locale, limits by year, scope names and (for admins) payee references", async () => {
    const { org, admin, adminClaims } = newOrg();
    const [scopeNorth, scopeSouth, mentor] = [randomUUID(), randomUUID(), randomUUID()];
    await admin.organizations.update.mutate({ displayName: "  Blindeforbundet Nord  ", timeZone: "Europe/Helsinki", locale: "nn" });
    await admin.organizations.setTaxFreeLimit.mutate({ incomeYear: 2027, limitAmount: "11000" });
    await admin.organizations.setTaxFreeLimit.mutate({ incomeYear: 2026, limitAmount: "10500.5" });
    await admin.organizations.setScopeName.mutate({ scopeId: scopeSouth, displayName: "RK Sør" });
    await admin.organizations.setScopeName.mutate({ scopeId: scopeNorth, displayName: " RK Nord " });
    await admin.organizations.setPayeeReference.mutate({ peerMentorId: mentor, payeeReference: "payroll:4711" });
    const settings = await admin.organizations.settings.query({ organizationId: org });
    expect(settings).toMatchObject({
      displayName: "Blindeforbundet Nord",
      timeZone: "Europe/Helsinki",
      locale: "nn",
      updatedBy: adminClaims.sub,
      taxFree: {
        incomeYear: 2026,
        limitAmount: "10500.50",
        defaultLimitAmount: "10000.00",
        byIncomeYear: [
          { incomeYear: 2026, limitAmount: "10500.50" },
          { incomeYear: 2027, limitAmount: "11000.00" },
        ],
      },
    });
    expect(settings.scopeNames.map((s) => [s.scopeId, s.displayName])).toEqual([
      [scopeNorth, "RK Nord"],
      [scopeSouth, "RK Sør"],
    ]);
    expect(settings.payeeReferences?.map((p) => [p.peerMentorId, p.payeeReference])).toEqual([[mentor, "payroll:4711"]]);
  });
});

describe("roles", () => {
  it("a peer mentor may neither read nor change the settings", async () => {
    const { mentor } = newOrg();
    expect(await outcome(mentor.organizations.settings.query({}))).toBe("FORBIDDEN");
    expect(await outcome(mentor.organizations.update.mutate({ locale: "en" }))).toBe("FORBIDDEN");
    expect(await outcome(mentor.organizations.setTaxFreeLimit.mutate({ incomeYear: 2026, limitAmount: "1.00" }))).toBe("FORBIDDEN");
    expect(await outcome(mentor.organizations.auditLog.query({}))).toBe("FORBIDDEN");
  });

  it("a coordinator reads the settings and scope names but not payee references, and changes nothing", async () => {
    const { admin, coordinator } = newOrg();
    const scopeId = randomUUID();
    await admin.organizations.setScopeName.mutate({ scopeId, displayName: "RK Vest" });
    await admin.organizations.setPayeeReference.mutate({ peerMentorId: randomUUID(), payeeReference: "A-1001" });
    const settings = await coordinator.organizations.settings.query({});
    expect(settings.scopeNames.map((s) => s.displayName)).toEqual(["RK Vest"]);
    expect(settings.payeeReferences).toBeNull();
    expect(await outcome(coordinator.organizations.update.mutate({ locale: "en" }))).toBe("FORBIDDEN");
    expect(await outcome(coordinator.organizations.setTaxFreeLimit.mutate({ incomeYear: 2026, limitAmount: "1.00" }))).toBe("FORBIDDEN");
    expect(await outcome(coordinator.organizations.setScopeName.mutate({ scopeId, displayName: "Renamed" }))).toBe("FORBIDDEN");
    expect(await outcome(coordinator.organizations.setPayeeReference.mutate({ peerMentorId: randomUUID(), payeeReference: "B-1" }))).toBe(
      "FORBIDDEN",
    );
    expect(await outcome(coordinator.organizations.auditLog.query({}))).toBe("FORBIDDEN");
    expect((await admin.organizations.settings.query({})).locale).toBe("nb");
  });

  it("an org_admin and a global_admin (naming the organisation) change the settings", async () => {
    const { org, admin } = newOrg();
    expect((await admin.organizations.update.mutate({ locale: "en" })).settings.locale).toBe("en");
    const global = api.client({ sub: randomUUID(), roles: ["global_admin"] });
    expect((await global.organizations.update.mutate({ organizationId: org, locale: "nn" })).settings.locale).toBe("nn");
    expect(await outcome(global.organizations.settings.query({}))).toBe("FORBIDDEN");
    expect((await global.organizations.settings.query({ organizationId: org })).locale).toBe("nn");
  });
});

describe("cross-organisation calls", () => {
  it("are refused for everyone but a global_admin, and change nothing", async () => {
    const { admin, coordinator } = newOrg();
    const other = newOrg();
    const organizationId = other.org;
    expect(await outcome(admin.organizations.settings.query({ organizationId }))).toBe("FORBIDDEN");
    expect(await outcome(coordinator.organizations.settings.query({ organizationId }))).toBe("FORBIDDEN");
    expect(await outcome(admin.organizations.update.mutate({ organizationId, displayName: "Taken over" }))).toBe("FORBIDDEN");
    expect(await outcome(admin.organizations.setTaxFreeLimit.mutate({ organizationId, incomeYear: 2026, limitAmount: "1.00" }))).toBe(
      "FORBIDDEN",
    );
    expect(await outcome(admin.organizations.setScopeName.mutate({ organizationId, scopeId: randomUUID(), displayName: "X" }))).toBe(
      "FORBIDDEN",
    );
    expect(
      await outcome(admin.organizations.setPayeeReference.mutate({ organizationId, peerMentorId: randomUUID(), payeeReference: "X-1" })),
    ).toBe("FORBIDDEN");
    expect(await outcome(admin.organizations.auditLog.query({ organizationId }))).toBe("FORBIDDEN");
    const untouched = await other.admin.organizations.settings.query({});
    expect([untouched.displayName, untouched.taxFree.byIncomeYear, untouched.scopeNames, untouched.payeeReferences]).toEqual([
      null,
      [],
      [],
      [],
    ]);
    expect((await other.admin.organizations.auditLog.query({})).total).toBe(0);
  });
});

describe("bad input: BAD_REQUEST with field errors, nothing written", () => {
  it("time zone, locale and display name", async () => {
    const { admin } = newOrg();
    for (const timeZone of ["Europe/Osl", "+01:00", "europe/oslo", "", "Mars/Olympus_Mons"]) {
      expect(await fieldErrorsOf(admin.organizations.update.mutate({ timeZone })), timeZone).toEqual({
        code: "BAD_REQUEST",
        fields: ["timeZone"],
      });
    }
    expect(await fieldErrorsOf(admin.organizations.update.mutate({ locale: "de" as "nb" }))).toEqual({
      code: "BAD_REQUEST",
      fields: ["locale"],
    });
    for (const displayName of ["   ", "x".repeat(201), "line\nbreak"]) {
      expect(await fieldErrorsOf(admin.organizations.update.mutate({ displayName })), displayName).toEqual({
        code: "BAD_REQUEST",
        fields: ["displayName"],
      });
    }
    const empty = await errorOf(admin.organizations.update.mutate({}));
    expect(empty.data?.code).toBe("BAD_REQUEST");
    expect(empty.data?.formErrors).toEqual(["name at least one of displayName, timeZone, locale"]);
    expect(await outcome(admin.organizations.update.mutate({ organizationId: "not-a-uuid", locale: "en" }))).toBe("BAD_REQUEST");
    expect((await admin.organizations.auditLog.query({})).total).toBe(0);
  });

  it("tax-free limit: amount as a positive decimal string with at most two decimals, income year 2000..2100", async () => {
    const { admin } = newOrg();
    for (const limitAmount of ["0", "0.00", "-5", "1.234", "abc", "1e4", "10 000", "12345678901", " 100"]) {
      expect(await fieldErrorsOf(admin.organizations.setTaxFreeLimit.mutate({ incomeYear: 2026, limitAmount })), limitAmount).toEqual({
        code: "BAD_REQUEST",
        fields: ["limitAmount"],
      });
    }
    // A float is never an amount.
    expect(
      await fieldErrorsOf(admin.organizations.setTaxFreeLimit.mutate({ incomeYear: 2026, limitAmount: 10000.5 as unknown as string })),
    ).toEqual({ code: "BAD_REQUEST", fields: ["limitAmount"] });
    for (const incomeYear of [1999, 2101, 2026.5]) {
      expect(
        await fieldErrorsOf(admin.organizations.setTaxFreeLimit.mutate({ incomeYear, limitAmount: "10000.00" })),
        String(incomeYear),
      ).toEqual({ code: "BAD_REQUEST", fields: ["incomeYear"] });
    }
    expect((await admin.organizations.settings.query({})).taxFree.byIncomeYear).toEqual([]);
    expect((await admin.organizations.auditLog.query({})).total).toBe(0);
  });

  it("payee reference: opaque, 1..64 of letters, digits and . _ : / -, never a name", async () => {
    const { admin } = newOrg();
    const peerMentorId = randomUUID();
    for (const payeeReference of ["Kari Nordmann", "", "9".repeat(65), "ref;drop table", "Åse"]) {
      expect(await fieldErrorsOf(admin.organizations.setPayeeReference.mutate({ peerMentorId, payeeReference })), payeeReference).toEqual({
        code: "BAD_REQUEST",
        fields: ["payeeReference"],
      });
    }
    expect(await fieldErrorsOf(admin.organizations.setPayeeReference.mutate({ peerMentorId: "mentor-1", payeeReference: "A-1" }))).toEqual({
      code: "BAD_REQUEST",
      fields: ["peerMentorId"],
    });
    expect((await admin.organizations.settings.query({})).payeeReferences).toEqual([]);
  });

  it("scope name: a uuid and a trimmed name of 1..120 characters", async () => {
    const { admin } = newOrg();
    for (const displayName of ["   ", "x".repeat(121), "tab\there"]) {
      expect(await fieldErrorsOf(admin.organizations.setScopeName.mutate({ scopeId: randomUUID(), displayName })), displayName).toEqual({
        code: "BAD_REQUEST",
        fields: ["displayName"],
      });
    }
    expect(await fieldErrorsOf(admin.organizations.setScopeName.mutate({ scopeId: "rk-1", displayName: "RK" }))).toEqual({
      code: "BAD_REQUEST",
      fields: ["scopeId"],
    });
    expect(await fieldErrorsOf(admin.organizations.auditLog.query({ page: 0, pageSize: 500 }))).toEqual({
      code: "BAD_REQUEST",
      fields: ["page", "pageSize"],
    });
    expect((await admin.organizations.settings.query({})).scopeNames).toEqual([]);
  });
});

describe("time_zone_fixed_after_first_count", () => {
  it("the zone may change while nothing is counted; cached counts follow the new zone", async () => {
    const { admin } = newOrg();
    const peerMentorId = randomUUID();
    const first = await admin.counts.forMentor.query({ peerMentorId });
    expect(first.timeZone).toBe("Europe/Oslo");
    expect((await admin.counts.forMentor.query({ peerMentorId })).cached).toBe(true);
    const result = await admin.organizations.update.mutate({ timeZone: "Pacific/Auckland" });
    expect(result.changed).toEqual(["timeZone"]);
    expect(result.settings.timeZone).toBe("Pacific/Auckland");
    const after = await admin.counts.forMentor.query({ peerMentorId });
    expect([after.timeZone, after.cached]).toEqual(["Pacific/Auckland", false]);
    expect((await admin.organizations.settings.query({})).timeZoneChangeable).toBe(true);
  });

  it("once an assignment is counted the zone is fixed (CONFLICT naming the rule); other fields and the same zone still pass", async () => {
    const { org, admin } = newOrg();
    await admin.organizations.update.mutate({ timeZone: "Europe/Helsinki" });
    await seedLedger(database.db, {
      organizationId: org,
      scopeId: null,
      peerMentorId: randomUUID(),
      assignmentId: randomUUID(),
      state: "counted",
      confirmedAt: "2026-03-01T10:00:00Z",
      monthKey: "2026-03",
      activityDate: "2026-03-01",
    });
    const refused = await errorOf(admin.organizations.update.mutate({ timeZone: "Europe/Oslo", locale: "en" }));
    expect(refused.data?.code).toBe("CONFLICT");
    expect(refused.data?.rule).toBe("time_zone_fixed_after_first_count");
    expect(refused.data?.details).toEqual({ currentTimeZone: "Europe/Helsinki", requestedTimeZone: "Europe/Oslo" });
    const settings = await admin.organizations.settings.query({});
    // Nothing of the refused call applied (the locale neither).
    expect([settings.timeZone, settings.locale, settings.timeZoneChangeable]).toEqual(["Europe/Helsinki", "nb", false]);
    const allowed = await admin.organizations.update.mutate({ timeZone: "Europe/Helsinki", locale: "en", displayName: "Org" });
    expect(allowed.changed).toEqual(["displayName", "locale"]);
    expect((await admin.organizations.auditLog.query({})).entries.map((e) => e.action)).toEqual(["update_settings", "update_settings"]);
  });
});

describe("tax-free limit in counts.forMentor", () => {
  it("a limit set through organizations.setTaxFreeLimit is the one counts.forMentor measures against", async () => {
    const { org, admin } = newOrg();
    const peerMentorId = randomUUID();
    await seedRecord(database.db, {
      organizationId: org,
      scopeId: null,
      peerMentorId,
      fiscalYear: 2026,
      reachedAt: "2026-03-01T10:00:00Z",
    });
    const before = await admin.counts.forMentor.query({ peerMentorId });
    expect([before.taxFree.taxFreeLimit, before.taxFree.remaining]).toEqual(["10000.00", "9500.00"]);
    await admin.organizations.setTaxFreeLimit.mutate({ incomeYear: 2027, limitAmount: "20000.00" });
    expect((await admin.counts.forMentor.query({ peerMentorId })).taxFree.taxFreeLimit).toBe("10000.00");
    const set = await admin.organizations.setTaxFreeLimit.mutate({ incomeYear: 2026, limitAmount: "600" });
    expect(set).toMatchObject({ incomeYear: 2026, limitAmount: "600.00", changed: true });
    const after = await admin.counts.forMentor.query({ peerMentorId });
    expect(after.cached).toBe(false);
    expect(after.taxFree).toMatchObject({ incomeYear: 2026, taxFreeLimit: "600.00", remaining: "100.00", honorariumYearToDate: "500.00" });
    expect((await admin.organizations.settings.query({})).taxFree.limitAmount).toBe("600.00");
  });
});

describe("organizations.auditLog", () => {
  it("records who, when, what, before and after for every change, newest first, paginated; no-ops are not changes", async () => {
    const { org, admin, adminClaims } = newOrg();
    const scopeId = randomUUID();
    const peerMentorId = randomUUID();
    const global = api.client({ sub: randomUUID(), roles: ["global_admin"] });
    await admin.organizations.update.mutate({ displayName: "Org Øst", locale: "en" });
    await admin.organizations.setTaxFreeLimit.mutate({ incomeYear: 2026, limitAmount: "10000.00" });
    await admin.organizations.setTaxFreeLimit.mutate({ incomeYear: 2026, limitAmount: "12000.00" });
    await admin.organizations.setScopeName.mutate({ scopeId, displayName: "RK Øst" });
    await admin.organizations.setPayeeReference.mutate({ peerMentorId, payeeReference: "acct/0042" });
    await global.organizations.setPayeeReference.mutate({ organizationId: org, peerMentorId, payeeReference: null });
    // Repeats of what is already set: answered, not audited.
    expect((await admin.organizations.update.mutate({ displayName: "Org Øst", locale: "en" })).changed).toEqual([]);
    expect((await admin.organizations.setTaxFreeLimit.mutate({ incomeYear: 2026, limitAmount: "12000" })).changed).toBe(false);
    expect((await admin.organizations.setScopeName.mutate({ scopeId, displayName: "RK Øst" })).changed).toBe(false);
    expect((await admin.organizations.setPayeeReference.mutate({ peerMentorId, payeeReference: null })).changed).toBe(false);
    // Another organisation's changes stay in its own log.
    await newOrg().admin.organizations.update.mutate({ locale: "nn" });

    const firstPage = await admin.organizations.auditLog.query({ page: 1, pageSize: 4 });
    const secondPage = await admin.organizations.auditLog.query({ page: 2, pageSize: 4 });
    expect([firstPage.total, firstPage.entries.length, secondPage.entries.length]).toEqual([6, 4, 2]);
    const entries = [...firstPage.entries, ...secondPage.entries].map(
      ({ action, subject, actorId, actorRoles, occurredAt, before, after }) => ({
        action,
        subject,
        actorId,
        actorRoles,
        occurredAt,
        before,
        after,
      }),
    );
    const byAdmin = { actorId: adminClaims.sub, actorRoles: ["org_admin"], occurredAt: NOW.toISOString() };
    expect(entries).toEqual([
      {
        action: "clear_payee_reference",
        subject: peerMentorId,
        actorId: expect.any(String),
        actorRoles: ["global_admin"],
        occurredAt: NOW.toISOString(),
        before: { peerMentorId, payeeReference: "acct/0042" },
        after: null,
      },
      {
        action: "set_payee_reference",
        subject: peerMentorId,
        ...byAdmin,
        before: null,
        after: { peerMentorId, payeeReference: "acct/0042" },
      },
      { action: "set_scope_name", subject: scopeId, ...byAdmin, before: null, after: { scopeId, displayName: "RK Øst" } },
      {
        action: "set_tax_free_limit",
        subject: "2026",
        ...byAdmin,
        before: { incomeYear: 2026, limitAmount: "10000.00" },
        after: { incomeYear: 2026, limitAmount: "12000.00" },
      },
      { action: "set_tax_free_limit", subject: "2026", ...byAdmin, before: null, after: { incomeYear: 2026, limitAmount: "10000.00" } },
      {
        action: "update_settings",
        subject: null,
        ...byAdmin,
        before: { displayName: null, timeZone: "Europe/Oslo", locale: "nb" },
        after: { displayName: "Org Øst", timeZone: "Europe/Oslo", locale: "en" },
      },
    ]);
    expect(firstPage.entries[0]?.actorId).not.toBe(adminClaims.sub);
  });
});

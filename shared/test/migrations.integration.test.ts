import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { MIGRATIONS } from "../src/db/migrations/index.ts";
import { migrateDown, migrateLatest, migrateUp, migrationStatus } from "../src/db/migrate.ts";
import { createTestDatabase, type TestDatabase } from "../src/testing/index.ts";

const ORG = "11111111-1111-4111-8111-111111111111";
const ADMIN = "22222222-2222-4222-8222-222222222222";

async function tables(database: TestDatabase): Promise<string[]> {
  const rows = await database.db("pg_tables").select("tablename").where({ schemaname: "public" }).orderBy("tablename");
  return rows.map((row: { tablename: string }) => row.tablename).filter((name) => !name.startsWith("knex_"));
}

/** Tables, columns, constraints (with definitions), indexes, functions and triggers: what a migration can change. */
async function schemaFingerprint(database: TestDatabase): Promise<string[]> {
  const { rows } = await database.db.raw<{ rows: { item: string }[] }>(`
    select 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable as item
      from information_schema.columns where table_schema = 'public' and table_name not like 'knex_%'
    union all
    select 'constraint ' || conrelid::regclass || '.' || conname || ' ' || pg_get_constraintdef(oid)
      from pg_constraint where connamespace = 'public'::regnamespace and conrelid::regclass::text not like 'knex_%'
    union all
    select 'index ' || indexname || ' ' || indexdef from pg_indexes where schemaname = 'public' and tablename not like 'knex_%'
    union all
    select 'function ' || proname || ' ' || md5(prosrc) from pg_proc where pronamespace = 'public'::regnamespace
    union all
    select 'trigger ' || tgrelid::regclass || '.' || tgname from pg_trigger where not tgisinternal
    order by 1`);
  return rows.map((row) => row.item);
}

describe("migrations", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(inject("testServices").databaseUrl, { migrate: false });
  });
  afterAll(async () => database.drop());

  it("go up and down one at a time, each down undoing exactly its up", async () => {
    const snapshots: string[][] = [await schemaFingerprint(database)];
    for (const [name] of MIGRATIONS) {
      expect(await migrateUp(database.db)).toEqual([name]);
      snapshots.push(await schemaFingerprint(database));
      // Every migration changes the schema...
      expect(snapshots.at(-1)).not.toEqual(snapshots.at(-2));
    }
    for (let i = MIGRATIONS.length; i > 0; i--) {
      // ...and its down puts back exactly what was there before its up.
      expect(await migrateDown(database.db)).toEqual([MIGRATIONS[i - 1]?.[0]]);
      expect(await schemaFingerprint(database)).toEqual(snapshots[i - 1]);
    }
    expect(await tables(database)).toEqual([]);
    await migrateLatest(database.db);
    expect((await migrationStatus(database.db)).pending).toEqual([]);
  });
});

describe("schema rules", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(inject("testServices").databaseUrl);
  });
  afterAll(async () => database.drop());

  const config = (overrides: Record<string, unknown> = {}) => ({
    organization_id: ORG,
    name: "Kontorhonorar",
    threshold_count: 3,
    honorarium_amount: "500.00",
    currency: "NOK",
    period_type: "calendar_year",
    tier_order: 1,
    threshold_level: "office_honorarium",
    is_cumulative: false,
    effective_from: "2026-01-01T00:00:00+01:00",
    notification_enabled: true,
    created_by: ADMIN,
    ...overrides,
  });

  it.each([
    ["threshold_count_positive", { threshold_count: 0 }],
    ["honorarium_amount_non_negative", { honorarium_amount: "-1" }],
    ["name_not_blank", { name: "   " }],
    ["valid_period_type_enum", { period_type: "fortnight" }],
    ["tier_order_non_negative", { tier_order: -1 }],
    ["currency_iso_format", { currency: "nok" }],
    ["effective_until_after_from", { effective_until: "2025-01-01T00:00:00Z" }],
  ])("threshold_configs rejects a row breaking %s", async (constraint, overrides) => {
    await expect(database.db("threshold_configs").insert(config(overrides))).rejects.toThrow(constraint);
  });

  it("keeps money exact as numeric and returns it as a string", async () => {
    const [row] = await database
      .db("threshold_configs")
      .insert(config({ honorarium_amount: "1234.56", threshold_count: 7 }))
      .returning("*");
    expect(row.honorarium_amount).toBe("1234.56");
    expect(row.effective_from).toBeInstanceOf(Date);
  });

  it("allows one active configuration per organization, period type and count, any number inactive", async () => {
    await database.db("threshold_configs").insert(config({ threshold_count: 15, tier_order: 2 }));
    await expect(database.db("threshold_configs").insert(config({ threshold_count: 15, tier_order: 3 }))).rejects.toThrow(
      "uq_threshold_configs_active_count",
    );
    await database.db("threshold_configs").insert(config({ threshold_count: 15, tier_order: 3, is_active: false }));
    await database.db("threshold_configs").insert(config({ threshold_count: 15, tier_order: 3, period_type: "half_year" }));
  });

  it("records at most one crossing per organization, scope, mentor, period and tier (null scope included)", async () => {
    const record = {
      peer_mentor_id: ADMIN,
      organization_id: ORG,
      scope_id: null,
      period_type: "calendar_year",
      period_key: "2026",
      tier_order: 1,
      assignment_count: 3,
      threshold_level: "office_honorarium",
      threshold_assignment_number: 3,
      honorarium_rate: "500.00",
      fiscal_year: 2026,
      payment_status: "pending",
    };
    await database.db("honorarium_records").insert(record);
    await expect(database.db("honorarium_records").insert(record)).rejects.toThrow("uq_honorarium_records_crossing");
    await expect(database.db("honorarium_records").insert({ ...record, tier_order: 2, payment_status: "paid" })).rejects.toThrow(
      "payment_processed_at_requires_paid_status",
    );
    await expect(database.db("honorarium_records").insert({ ...record, tier_order: 3, honorarium_rate: null })).rejects.toThrow(
      "honorarium_rate_required_for_threshold_records",
    );
    await expect(database.db("honorarium_records").insert({ ...record, tier_order: 4, threshold_level: "none" })).rejects.toThrow(
      "threshold_level_consistency",
    );
  });

  it("makes a read-confirmed delivery append-only in SQL", async () => {
    const [delivery] = await database
      .db("assignment_deliveries")
      .insert({
        assignment_id: ORG,
        peer_mentor_id: ADMIN,
        organization_id: ORG,
        delivery_status: "read_confirmed",
        delivered_at: "2026-01-05T10:00:00Z",
        opened_at: "2026-01-05T11:00:00Z",
        read_confirmed_at: "2026-01-05T12:00:00Z",
        accounting_period: "2026-H1",
        delivery_sequence_number: 1,
        honorarium_tier: "none",
        read_receipt_required: true,
        delivery_method: "push",
        coordinator_id: ADMIN,
      })
      .returning("*");
    await expect(database.db("assignment_deliveries").where({ id: delivery.id }).update({ reminder_count: 1 })).rejects.toThrow(
      "append-only",
    );
    await expect(database.db("assignment_deliveries").where({ id: delivery.id }).delete()).rejects.toThrow("may not be deleted");
    await database.db("assignment_deliveries").where({ id: delivery.id }).update({ updated_at: database.db.fn.now() });
  });
});

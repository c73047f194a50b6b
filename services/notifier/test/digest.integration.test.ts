import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createLogger } from "@honorarium/shared";
import { createMetricsRegistry } from "@honorarium/shared/infra";
import { createTestDatabase, type TestDatabase } from "@honorarium/shared/testing";
import { createNotifierMetrics } from "../src/metrics.ts";
import { type ReminderOptions, runDigestPass } from "../src/use-cases/schedule-reminders.ts";

// The pass runs on injected clocks; nothing here depends on today's date. Oslo is UTC+1 in March.
const DAY_ONE = "2026-03-01";
const MORNING_AFTER = new Date("2026-03-02T08:00:00Z"); // 09:00 in Oslo
const BEFORE_SEVEN = new Date("2026-03-02T05:59:00Z"); // 06:59 in Oslo

describe("the daily digest", () => {
  const services = inject("testServices");
  let database: TestDatabase;
  let options: ReminderOptions;
  const ORG = randomUUID();
  const NORTH = randomUUID();
  const SOUTH = randomUUID();
  const CAROLINE = randomUUID(); // digest for North
  const DAVID = randomUUID(); // digest for North and South, in-app turned off for crossings
  const EMMA = randomUUID(); // digest for North
  const records: Record<string, string> = {};

  async function crossing(name: string, scopeId: string, tierName: string, recordedAt: string): Promise<void> {
    const [row] = await database
      .db("honorarium_records")
      .insert({
        peer_mentor_id: randomUUID(),
        organization_id: ORG,
        scope_id: scopeId,
        tier_name: tierName,
        tier_order: tierName === "Kontorhonorar" ? 1 : 2,
        period_type: "calendar_year",
        period_key: "2026",
        assignment_count: tierName === "Kontorhonorar" ? 3 : 15,
        threshold_crossed: true,
        threshold_level: tierName === "Kontorhonorar" ? "office_honorarium" : "higher_rate",
        threshold_assignment_number: tierName === "Kontorhonorar" ? 3 : 15,
        honorarium_rate: tierName === "Kontorhonorar" ? "500.00" : "1500.00",
        fiscal_year: 2026,
        payment_status: "pending",
        recorded_at: recordedAt,
      })
      .returning("id");
    records[name] = (row as { id: string }).id;
  }

  beforeAll(async () => {
    database = await createTestDatabase(services.databaseUrl);
    const db = database.db;
    options = {
      db,
      afterDays: 10,
      digestHour: 7,
      webPushEnabled: false,
      deepLinkBaseUrl: "https://portal.example",
      metrics: createNotifierMetrics(createMetricsRegistry("digest-test"), async () => ({ pending: 0, retrying: 0 })),
      logger: createLogger("digest-test", "silent"),
    };
    await db("organization_settings").insert({ organization_id: ORG, time_zone: "Europe/Oslo", locale: "nb" });
    await db("scope_names").insert({ organization_id: ORG, scope_id: NORTH, display_name: "Region Nord", updated_by: CAROLINE });
    await db("notification_digests").insert([
      { organization_id: ORG, user_id: CAROLINE, scope_id: NORTH },
      { organization_id: ORG, user_id: DAVID, scope_id: NORTH },
      { organization_id: ORG, user_id: DAVID, scope_id: SOUTH },
      { organization_id: ORG, user_id: EMMA, scope_id: NORTH },
    ]);
    await db("notification_preferences").insert({
      organization_id: ORG,
      user_id: DAVID,
      channel: "in_app",
      category: "threshold_crossed",
      enabled: false,
    });
    // 1 March in Oslo runs from 2026-02-28T23:00Z to 2026-03-01T23:00Z.
    await crossing("northEarly", NORTH, "Kontorhonorar", "2026-02-28T23:00:00Z");
    await crossing("northLate", NORTH, "Høyere sats", "2026-03-01T22:59:59Z");
    await crossing("northNoon", NORTH, "Kontorhonorar", "2026-03-01T11:00:00Z");
    await crossing("northDayBefore", NORTH, "Kontorhonorar", "2026-02-28T22:59:59Z");
    await crossing("northNextDay", NORTH, "Kontorhonorar", "2026-03-01T23:00:00Z");
    await crossing("south", SOUTH, "Kontorhonorar", "2026-03-01T12:00:00Z");
  });

  afterAll(async () => {
    await database?.drop();
  });

  const feedOf = (userId: string) =>
    database.db("in_app_notifications").where({ recipient_id: userId, kind: "daily_digest" }).orderBy("created_at");
  const notified = async () =>
    (await database.db("honorarium_records").where({ organization_id: ORG, coordinator_notified: true }).select("id")).map((row) => row.id);

  it("waits for the organisation's morning", async () => {
    expect(await runDigestPass(options, BEFORE_SEVEN)).toBe(0);
    expect(await feedOf(CAROLINE)).toEqual([]);
  });

  it("sums up the previous local day per scope, once per user, by their preferences, even when passes race", async () => {
    const [first, second] = await Promise.all([runDigestPass(options, MORNING_AFTER), runDigestPass(options, MORNING_AFTER)]);
    // Caroline and Emma get North in-app; David turned in-app off for crossings (no push here).
    expect((first ?? 0) + (second ?? 0)).toBe(2);
    expect(await runDigestPass(options, new Date("2026-03-02T20:00:00Z"))).toBe(0);
    const [digest, ...more] = await feedOf(CAROLINE);
    expect(more).toEqual([]);
    expect(digest).toMatchObject({
      organization_id: ORG,
      title: "Daglig oppsummering: Region Nord",
      body: "3 honorargrenser nådd 1. mars 2026: 2 × Kontorhonorar, 1 × Høyere sats. Åpne oversikten for å behandle utbetalingene.",
      deep_link: "https://portal.example/",
    });
    expect(digest?.data).toMatchObject({ day: DAY_ONE, scopeId: NORTH, crossings: 3 });
    expect(await feedOf(EMMA)).toHaveLength(1);
    expect(await feedOf(DAVID)).toEqual([]);
    // The summarised records count as notified; the days around them and the other scope do not.
    expect((await notified()).sort()).toEqual([records.northEarly, records.northLate, records.northNoon].sort());
  });

  it("sends the next morning's digest for the next day", async () => {
    expect(await runDigestPass(options, new Date("2026-03-03T07:30:00Z"))).toBe(2);
    const latest = (await feedOf(CAROLINE)).at(-1);
    expect(latest?.body).toBe("1 honorargrense nådd 2. mars 2026: 1 × Kontorhonorar. Åpne oversikten for å behandle utbetalingene.");
  });
});

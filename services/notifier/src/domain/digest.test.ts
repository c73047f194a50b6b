import { localDateOf, localTimeOf } from "@honorarium/shared/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { digestDayAt, digestEventId, planDigest, tierTally } from "./digest.ts";
import type { OrganizationPresentation, RecipientChannels } from "./notifications.ts";

const ORG = "0b9a4a53-6f3e-4a4e-9d1e-2f1f1a2b3c4d";
const USER = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
const SCOPE = "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f60";
const OSLO: OrganizationPresentation = { locale: "nb", timeZone: "Europe/Oslo", scopeName: () => "Region Nord" };

const channels = (pushUsers: string[], optOuts: string[] = []): RecipientChannels => ({
  organizationHasWebhook: () => true,
  hasPushSubscription: (id) => pushUsers.includes(id),
  presentation: () => OSLO,
  wants: (userId, channel) => !optOuts.includes(`${userId}/${channel}`),
  takesDigest: () => true,
});

describe("the digest's day", () => {
  it("is yesterday's local day once the morning hour has come, and none before it", () => {
    // 06:59 in Oslo (CET, UTC+1) on 2 December: not yet.
    expect(digestDayAt(new Date("2026-12-02T05:59:00Z"), "Europe/Oslo", 7)).toBeNull();
    const day = digestDayAt(new Date("2026-12-02T06:00:00Z"), "Europe/Oslo", 7);
    expect(day).toEqual({
      day: { year: 2026, month: 12, day: 1 },
      dayKey: "2026-12-01",
      from: new Date("2026-11-30T23:00:00Z"),
      until: new Date("2026-12-01T23:00:00Z"),
    });
    // New Year: the digest of 1 January summarises 31 December.
    expect(digestDayAt(new Date("2027-01-01T10:00:00Z"), "Europe/Oslo", 7)?.dayKey).toBe("2026-12-31");
    // The spring DST day is 23 hours long.
    const spring = digestDayAt(new Date("2027-03-29T08:00:00Z"), "Europe/Oslo", 7);
    expect(spring === null ? 0 : spring.until.getTime() - spring.from.getTime()).toBe(23 * 3_600_000);
  });

  it("for any instant and zone: due from the hour on, the window is the whole local day before today", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("2001-01-01T00:00:00Z"), max: new Date("2098-12-31T00:00:00Z"), noInvalidDate: true }),
        fc.constantFrom("Europe/Oslo", "UTC", "Pacific/Kiritimati", "America/St_Johns", "Australia/Lord_Howe"),
        fc.integer({ min: 0, max: 23 }),
        (now, timeZone, hour) => {
          const day = digestDayAt(now, timeZone, hour);
          const local = localTimeOf(now, timeZone);
          expect(day === null).toBe(local.hour < hour);
          if (day === null) return;
          expect(localDateOf(day.from, timeZone)).toEqual(day.day);
          expect(localDateOf(new Date(day.until.getTime() - 1), timeZone)).toEqual(day.day);
          expect(localDateOf(day.until, timeZone)).toEqual({ year: local.year, month: local.month, day: local.day });
          expect(day.until.getTime()).toBeLessThanOrEqual(now.getTime());
        },
      ),
    );
  });
});

describe("planning a digest", () => {
  const day = digestDayAt(new Date("2026-12-02T08:00:00Z"), "Europe/Oslo", 7);
  if (day === null) throw new Error("the test day must be due");
  const crossings = [
    { recordId: "a", tierName: "Kontorhonorar" },
    { recordId: "b", tierName: "Høyere sats" },
    { recordId: "c", tierName: "Kontorhonorar" },
  ];

  it("sums up the day's crossings of the scope in the organisation's language, once per channel", () => {
    const jobs = planDigest(
      { organizationId: ORG, userId: USER, scopeId: SCOPE, day, crossings },
      channels([USER]),
      "https://portal.example",
    );
    expect(jobs.map((job) => job.channel)).toEqual(["web_push", "in_app"]);
    const [job] = jobs;
    expect(job?.kind).toBe("daily_digest");
    expect(job?.content.title).toBe("Daglig oppsummering: Region Nord");
    expect(job?.content.body).toBe(
      "3 honorargrenser nådd 1. desember 2026: 2 × Kontorhonorar, 1 × Høyere sats. Åpne oversikten for å behandle utbetalingene.",
    );
    expect(job?.content.deepLink).toBe("https://portal.example/");
    expect(new Set(jobs.map((each) => each.eventId))).toEqual(new Set([digestEventId(ORG, USER, SCOPE, "2026-12-01")]));
  });

  it("follows the coordinator's channel preferences, and sends nothing for a day without crossings", () => {
    expect(
      planDigest({ organizationId: ORG, userId: USER, scopeId: SCOPE, day, crossings }, channels([USER], [`${USER}/in_app`]), "x").map(
        (j) => j.channel,
      ),
    ).toEqual(["web_push"]);
    expect(planDigest({ organizationId: ORG, userId: USER, scopeId: SCOPE, day, crossings: [] }, channels([USER]), "x")).toEqual([]);
  });

  it("gives one stable key per organisation, user, scope and day", () => {
    expect(digestEventId(ORG, USER, SCOPE, "2026-12-01")).toBe(digestEventId(ORG, USER, SCOPE, "2026-12-01"));
    expect(digestEventId(ORG, USER, SCOPE, "2026-12-01")).not.toBe(digestEventId(ORG, USER, SCOPE, "2026-12-02"));
    expect(digestEventId(ORG, USER, SCOPE, "2026-12-01")).not.toBe(digestEventId(ORG, SCOPE, USER, "2026-12-01"));
  });

  it("tallies tiers most often first", () => {
    expect(tierTally(crossings)).toEqual([
      { tierName: "Kontorhonorar", count: 2 },
      { tierName: "Høyere sats", count: 1 },
    ]);
  });
});

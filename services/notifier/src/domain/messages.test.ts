import { LOCALES } from "@honorarium/shared/domain";
import { describe, expect, it } from "vitest";
import { formatAmount, formatDate, reminderText, thresholdText, webhookDisabledText } from "./messages.ts";

// Node's ICU separates groups and the currency with no-break spaces (U+00A0).
const nbsp = (text: string) => text.replace(/\u00a0/g, " ");

describe("the message catalogue", () => {
  it("formats amounts for the locale with Intl", () => {
    expect(nbsp(formatAmount("nb", "1500.00", "NOK"))).toBe("1 500,00 kr");
    expect(nbsp(formatAmount("nn", "1500", "NOK"))).toBe("1 500,00 kr");
    expect(nbsp(formatAmount("en", "1500.00", "NOK"))).toBe("NOK 1,500.00");
  });

  it("formats dates in the organization's time zone", () => {
    // 23:30 UTC on 30 November is already 1 December in Oslo.
    const at = new Date("2026-11-30T23:30:00Z");
    expect(formatDate("nb", at, "Europe/Oslo")).toBe("1. desember 2026");
    expect(formatDate("nn", at, "Europe/Oslo")).toBe("1. desember 2026");
    expect(formatDate("en", at, "Europe/Oslo")).toBe("December 1, 2026");
    expect(formatDate("en", at, "UTC")).toBe("November 30, 2026");
  });

  it("has every message in every locale, none with an id", () => {
    const input = { tierName: "Høy sats", thresholdCount: 15, honorariumAmount: "1500.00", currency: "NOK", scopeName: "Region Vest" };
    for (const locale of LOCALES) {
      const texts = [
        thresholdText(locale, "coordinator", input),
        thresholdText(locale, "peer_mentor", input),
        thresholdText(locale, "coordinator", { ...input, scopeName: null }),
        reminderText(locale, new Date("2026-12-01T10:00:00Z"), "Europe/Oslo"),
        webhookDisabledText(locale, "50 consecutive permanent failures"),
      ];
      for (const text of texts) {
        expect(text.title.length).toBeGreaterThan(0);
        expect(text.body.length).toBeGreaterThan(0);
        expect(`${text.title} ${text.body}`).not.toMatch(/undefined|null|[0-9a-f]{8}-[0-9a-f]{4}/);
      }
    }
    expect(nbsp(thresholdText("nb", "coordinator", input).body)).toBe(
      "En likeperson i Region Vest har nådd Høy sats etter 15 oppdrag (1 500,00 kr). Åpne for å se hvem og behandle utbetalingen.",
    );
    expect(nbsp(thresholdText("nn", "peer_mentor", input).body)).toBe("Du har nådd Høy sats etter 15 oppdrag (1 500,00 kr).");
    expect(reminderText("nb", new Date("2026-12-01T10:00:00Z"), "Europe/Oslo").body).toBe(
      "Et oppdrag levert 1. desember 2026 er ikke åpnet ennå.",
    );
  });
});

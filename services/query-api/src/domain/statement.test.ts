import { describe, expect, it } from "vitest";
import { crossingFixture } from "./crossing.fixture.ts";
import type { Crossing } from "./progress.ts";
import { renderStatementCsv, sortStatement, statementLines, statementTotals } from "./statement.ts";

const crossing = (fields: Partial<Crossing>): Crossing =>
  crossingFixture({ peerMentorId: "m1", scopeId: "s1", configId: null, tierName: "Kontorhonorar", amountDue: "500.00", ...fields });

const counts = [
  { scopeId: "s1", peerMentorId: "m1", monthKey: "2026-02", confirmedCount: 10 },
  { scopeId: "s1", peerMentorId: "m1", monthKey: "2026-03", confirmedCount: 6 },
  { scopeId: "s2", peerMentorId: "m2", monthKey: "2026-03", confirmedCount: 2 },
];
const crossings = [
  crossing({ id: "office", paymentStatus: "paid", amountPaid: "500.00" }),
  crossing({ id: "higher", tierName: "Høyere sats", tierOrder: 2, thresholdCount: 15, amountDue: "1000.00", paymentStatus: "processing" }),
  crossing({ id: "gone", peerMentorId: "m3", scopeId: "s1", paymentStatus: "cancelled", amountDue: "0.00" }),
];

describe("a period's statement", () => {
  const lines = statementLines(counts, crossings, "NOK");
  it("has a line per mentor and scope with the count, the tiers and owed / paid / outstanding", () => {
    const m1 = lines.find((line) => line.peerMentorId === "m1");
    expect(m1).toMatchObject({ count: 16, owed: "1500.00", paid: "500.00", outstanding: "1000.00", inPayment: "1000.00" });
    expect(m1?.tiers.map((tier) => [tier.recordId, tier.amountDue])).toEqual([
      ["office", "500.00"],
      ["higher", "1000.00"],
    ]);
    expect(lines.find((line) => line.peerMentorId === "m2")).toMatchObject({ count: 2, owed: "0.00", tiers: [] });
    // A cancelled record shows, but owes nothing.
    expect(lines.find((line) => line.peerMentorId === "m3")).toMatchObject({ count: 0, owed: "0.00", outstanding: "0.00" });
  });

  it("sums and sorts exactly", () => {
    expect(statementTotals(lines)).toEqual({
      mentors: 3,
      lines: 3,
      count: 18,
      openingBalance: 0,
      owed: "1500.00",
      paid: "500.00",
      outstanding: "1000.00",
      inPayment: "1000.00",
    });
    expect(sortStatement(lines, "outstanding", "desc").map((line) => line.peerMentorId)).toEqual(["m1", "m2", "m3"]);
    expect(sortStatement(lines, "count", "asc").map((line) => line.peerMentorId)).toEqual(["m3", "m2", "m1"]);
  });

  it("renders CSV with a versioned header, one row per line", () => {
    const csv = renderStatementCsv({
      organizationId: "o",
      periodType: "calendar_year",
      periodKey: "2026",
      lines: sortStatement(lines, "peerMentorId", "asc"),
      generatedAt: new Date("2027-01-02T00:00:00Z"),
    });
    const rows = csv.trimEnd().split("\r\n");
    expect(rows[0]).toBe("# honorarium-tracker statement v2");
    expect(rows[3]).toBe("m1,s1,calendar_year,2026,16,0,Kontorhonorar;Høyere sats,office;higher,1500.00,500.00,1000.00,1000.00,NOK");
    expect(rows).toHaveLength(6);
  });

  it("shows a go-live opening balance as such: in its own column, and in the count the tiers are judged by", () => {
    const withBalance = statementLines(counts, crossings, "NOK", [
      { scopeId: "s1", peerMentorId: "m1", periodType: "calendar_year", periodKey: "2026", assignmentCount: 13 },
      { scopeId: "s9", peerMentorId: "m4", periodType: "calendar_year", periodKey: "2026", assignmentCount: 4 },
    ]);
    expect(withBalance.find((line) => line.peerMentorId === "m1")).toMatchObject({ count: 29, openingBalance: 13 });
    // A mentor with only a balance (nothing counted yet) has a line.
    expect(withBalance.find((line) => line.peerMentorId === "m4")).toMatchObject({ scopeId: "s9", count: 4, openingBalance: 4, tiers: [] });
    expect(statementTotals(withBalance)).toMatchObject({ count: 35, openingBalance: 17 });
  });
});

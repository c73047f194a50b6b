import { describe, expect, it } from "vitest";
import { BUFDIR_EXPORT_FORMAT, csvCell, renderBufdirCsv, shapeBufdirReport } from "./bufdir.ts";

const ORG = "00000000-0000-4000-8000-000000000001";
const SCOPE = "00000000-0000-4000-8000-0000000000a1";

describe("bufdir report", () => {
  const report = shapeBufdirReport({
    organizationId: ORG,
    year: 2026,
    timeZone: "Europe/Oslo",
    activity: [
      { level: "total", scopeId: null, monthKey: null, activePeerMentors: 2, confirmedAssignments: 5, mentorDays: 4, distinctDates: 3 },
      { level: "scope", scopeId: null, monthKey: null, activePeerMentors: 1, confirmedAssignments: 1, mentorDays: 1, distinctDates: 1 },
      { level: "scope", scopeId: SCOPE, monthKey: null, activePeerMentors: 2, confirmedAssignments: 4, mentorDays: 3, distinctDates: 2 },
      {
        level: "month",
        scopeId: null,
        monthKey: "2026-01",
        activePeerMentors: 2,
        confirmedAssignments: 5,
        mentorDays: 4,
        distinctDates: 3,
      },
      {
        level: "scope_month",
        scopeId: SCOPE,
        monthKey: "2026-01",
        activePeerMentors: 2,
        confirmedAssignments: 4,
        mentorDays: 3,
        distinctDates: 2,
      },
      {
        level: "scope_month",
        scopeId: null,
        monthKey: "2026-01",
        activePeerMentors: 1,
        confirmedAssignments: 1,
        mentorDays: 1,
        distinctDates: 1,
      },
    ],
    cancelledAssignments: 1,
    tiers: [
      {
        tierName: "Higher, rate",
        thresholdLevel: "higher_rate",
        thresholdCount: 15,
        currency: "NOK",
        crossings: 1,
        honorariumTotal: "1500.00",
        paidTotal: "0.00",
        cancelledCrossings: 0,
      },
      {
        tierName: "=Office",
        thresholdLevel: "office_honorarium",
        thresholdCount: 3,
        currency: "NOK",
        crossings: 2,
        honorariumTotal: "1000.50",
        paidTotal: "500.25",
        cancelledCrossings: 0,
      },
    ],
  });

  it("fills every month, puts the whole-organization scope last and orders tiers by count", () => {
    expect(report.byMonth).toHaveLength(12);
    expect(report.byMonth[1]).toEqual({
      month: "2026-02",
      activePeerMentors: 0,
      confirmedAssignments: 0,
      mentorDays: 0,
      distinctDates: 0,
      activityDays: 0,
    });
    expect(report.byScopeMonth.map((c) => [c.scopeId, c.month, c.mentorDays, c.distinctDates])).toEqual([
      [SCOPE, "2026-01", 3, 2],
      [null, "2026-01", 1, 1],
    ]);
    expect(report.byScope.map((s) => s.scopeId)).toEqual([SCOPE, null]);
    expect(report.byTier.map((t) => t.thresholdCount)).toEqual([3, 15]);
    expect(report.totals).toEqual({
      activePeerMentors: 2,
      confirmedAssignments: 5,
      mentorDays: 4,
      distinctDates: 3,
      activityDays: 4,
      cancelledAssignments: 1,
      crossings: 3,
      honorariumTotal: "2500.50",
    });
  });

  it("renders CSV with the versioned header and safe cells", () => {
    const csv = renderBufdirCsv(report, new Date("2027-01-02T03:04:05Z"));
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe(`# ${BUFDIR_EXPORT_FORMAT}`);
    expect(lines[1]).toBe(`# organization_id=${ORG};year=2026;time_zone=Europe/Oslo;generated_at=2027-01-02T03:04:05.000Z`);
    expect(lines[2]).toBe(
      "# Counts only assignments this system received as events (net of cancellations); opening balances imported at go-live are not activity (no assignments or mentors or activity days); tiers recorded from them (paid outside the system or owed) are in the crossings and honorarium totals per tier.",
    );
    expect(lines[3]).toBe(
      "section,scope_id,month,tier,threshold_level,threshold_count,active_peer_mentors,confirmed_assignments,mentor_days,distinct_dates,crossings,honorarium_total,currency",
    );
    expect(lines[4]).toBe("total,,,,,,2,5,4,3,3,2500.50,");
    expect(lines).toContain(`scope,${SCOPE},,,,,2,4,3,2,,,`);
    expect(lines).toContain("scope,whole_organization,,,,,1,1,1,1,,,");
    expect(lines).toContain(`scope_month,${SCOPE},2026-01,,,,2,4,3,2,,,`);
    expect(lines).toContain("tier,,,'=Office,office_honorarium,3,,,,,2,1000.50,NOK");
    expect(lines).toContain('tier,,,"Higher, rate",higher_rate,15,,,,,1,1500.00,NOK');
    expect(lines).toHaveLength(4 + 1 + 2 + 12 + 2 + 2);
  });

  it("quotes quotes and newlines", () => {
    expect(csvCell('a "b"')).toBe('"a ""b"""');
    expect(csvCell("x\ny")).toBe('"x\ny"');
    expect(csvCell(-5)).toBe("-5");
    expect(csvCell(null)).toBe("");
  });
});

import { sumAmounts } from "@honorarium/shared/domain";

/**
 * The versioned first line of every export; bumped when columns change. v2: mentor_days and
 * distinct_dates instead of activity_days, and scope_month rows.
 */
export const BUFDIR_EXPORT_FORMAT = "honorarium-tracker bufdir-export v2";

/** What the figures cover, said in every report and export. */
export const BUFDIR_COVERAGE_NOTE =
  "Counts only assignments this system received as events (net of cancellations); opening balances imported at go-live are not activity (no assignments or mentors or activity days); tiers recorded from them (paid outside the system or owed) are in the crossings and honorarium totals per tier.";

/** What the aggregation counts per group. */
export interface ActivityCounts {
  activePeerMentors: number;
  confirmedAssignments: number;
  /** Peer-work activity days: one per mentor and local date with a counted assignment (what Bufdir scores). */
  mentorDays: number;
  /** Calendar dates on which any mentor had a counted assignment. */
  distinctDates: number;
}

/** The figures of a report group; `activityDays` is the earlier name of `mentorDays`, kept for existing readers. */
export interface ActivityFigures extends ActivityCounts {
  activityDays: number;
}

/** One row of the ledger aggregation: the whole year (scopeId and monthKey unset), one scope, one month, or one scope in one month. */
export interface ActivityRow extends ActivityCounts {
  level: "total" | "scope" | "month" | "scope_month";
  scopeId: string | null;
  monthKey: string | null;
}

export interface TierRow {
  tierName: string;
  thresholdLevel: string;
  thresholdCount: number;
  currency: string;
  crossings: number;
  /** What the tier's crossings owe by the one rule (top-ups where a higher tier replaces a lower one), cancelled payments excluded. */
  honorariumTotal: string;
  paidTotal: string;
  cancelledCrossings: number;
}

export interface BufdirReport {
  format: typeof BUFDIR_EXPORT_FORMAT;
  organizationId: string;
  year: number;
  timeZone: string;
  coverage: typeof BUFDIR_COVERAGE_NOTE;
  totals: ActivityFigures & { cancelledAssignments: number; crossings: number; honorariumTotal: string };
  byScope: (ActivityFigures & { scopeId: string | null })[];
  byMonth: (ActivityFigures & { month: string })[];
  /** The scope × month matrix: only the cells with activity. */
  byScopeMonth: (ActivityFigures & { scopeId: string | null; month: string })[];
  byTier: TierRow[];
}

const figures = (row: ActivityCounts | undefined): ActivityFigures => {
  const counts = row ?? { activePeerMentors: 0, confirmedAssignments: 0, mentorDays: 0, distinctDates: 0 };
  return {
    activePeerMentors: counts.activePeerMentors,
    confirmedAssignments: counts.confirmedAssignments,
    mentorDays: counts.mentorDays,
    distinctDates: counts.distinctDates,
    activityDays: counts.mentorDays,
  };
};

const byScopeId = (a: string | null, b: string | null) => (a === null ? (b === null ? 0 : 1) : b === null ? -1 : a.localeCompare(b));

/** Puts the aggregation rows in report order: every month of the year (zeros included), scopes by id with the whole-organization bucket last. */
export function shapeBufdirReport(input: {
  organizationId: string;
  year: number;
  timeZone: string;
  activity: readonly ActivityRow[];
  cancelledAssignments: number;
  tiers: readonly TierRow[];
}): BufdirReport {
  const total = input.activity.find((row) => row.level === "total");
  const byScope = input.activity
    .filter((row) => row.level === "scope")
    .map((row) => ({ scopeId: row.scopeId, ...figures(row) }))
    .sort((a, b) => byScopeId(a.scopeId, b.scopeId));
  const byScopeMonth = input.activity
    .filter((row) => row.level === "scope_month")
    .map((row) => ({ scopeId: row.scopeId, month: row.monthKey ?? "", ...figures(row) }))
    .sort((a, b) => byScopeId(a.scopeId, b.scopeId) || a.month.localeCompare(b.month));
  const byMonth = Array.from({ length: 12 }, (_, i) => {
    const month = `${input.year}-${String(i + 1).padStart(2, "0")}`;
    return { month, ...figures(input.activity.find((row) => row.level === "month" && row.monthKey === month)) };
  });
  const byTier = [...input.tiers].sort((a, b) => a.thresholdCount - b.thresholdCount || a.tierName.localeCompare(b.tierName));
  return {
    format: BUFDIR_EXPORT_FORMAT,
    organizationId: input.organizationId,
    year: input.year,
    timeZone: input.timeZone,
    coverage: BUFDIR_COVERAGE_NOTE,
    totals: {
      ...figures(total),
      cancelledAssignments: input.cancelledAssignments,
      crossings: byTier.reduce((sum, tier) => sum + tier.crossings, 0),
      honorariumTotal: sumAmounts(byTier.map((tier) => tier.honorariumTotal)),
    },
    byScope,
    byMonth,
    byScopeMonth,
    byTier,
  };
}

/** RFC 4180 quoting; a leading = + - @ is neutralised so spreadsheets never run a cell as a formula. */
export function csvCell(value: string | number | null): string {
  if (value === null) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const BUFDIR_CSV_COLUMNS = [
  "section",
  "scope_id",
  "month",
  "tier",
  "threshold_level",
  "threshold_count",
  "active_peer_mentors",
  "confirmed_assignments",
  "mentor_days",
  "distinct_dates",
  "crossings",
  "honorarium_total",
  "currency",
] as const;

/** The report as CSV: the versioned header line, a metadata line, the column line, then one row per figure group. */
export function renderBufdirCsv(report: BufdirReport, generatedAt: Date): string {
  const lines: string[] = [
    `# ${report.format}`,
    `# organization_id=${report.organizationId};year=${report.year};time_zone=${report.timeZone};generated_at=${generatedAt.toISOString()}`,
    `# ${report.coverage}`,
    BUFDIR_CSV_COLUMNS.join(","),
  ];
  const row = (cells: (string | number | null)[]) => lines.push(cells.map(csvCell).join(","));
  const activity = (f: ActivityFigures) => [f.activePeerMentors, f.confirmedAssignments, f.mentorDays, f.distinctDates];
  const none = [null, null, null, null];
  const t = report.totals;
  row(["total", null, null, null, null, null, ...activity(t), t.crossings, t.honorariumTotal, null]);
  for (const s of report.byScope)
    row(["scope", s.scopeId ?? "whole_organization", null, null, null, null, ...activity(s), null, null, null]);
  for (const m of report.byMonth) row(["month", null, m.month, null, null, null, ...activity(m), null, null, null]);
  for (const c of report.byScopeMonth)
    row(["scope_month", c.scopeId ?? "whole_organization", c.month, null, null, null, ...activity(c), null, null, null]);
  for (const tier of report.byTier)
    row([
      "tier",
      null,
      null,
      tier.tierName,
      tier.thresholdLevel,
      tier.thresholdCount,
      ...none,
      tier.crossings,
      tier.honorariumTotal,
      tier.currency,
    ]);
  return `${lines.join("\r\n")}\r\n`;
}

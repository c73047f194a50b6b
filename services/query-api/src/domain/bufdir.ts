import { sumAmounts } from "@honorarium/shared/domain";

/** The versioned first line of every export; bump v1 when columns change. */
export const BUFDIR_EXPORT_FORMAT = "honorarium-tracker bufdir-export v1";

export interface ActivityFigures {
  activePeerMentors: number;
  confirmedAssignments: number;
  activityDays: number;
}

/** One row of the ledger aggregation: the whole year (scopeId and monthKey unset), one scope, or one month. */
export interface ActivityRow extends ActivityFigures {
  level: "total" | "scope" | "month";
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
  totals: ActivityFigures & { cancelledAssignments: number; crossings: number; honorariumTotal: string };
  byScope: (ActivityFigures & { scopeId: string | null })[];
  byMonth: (ActivityFigures & { month: string })[];
  byTier: TierRow[];
}

const ZERO: ActivityFigures = { activePeerMentors: 0, confirmedAssignments: 0, activityDays: 0 };

const figures = (row: ActivityFigures | undefined): ActivityFigures =>
  row === undefined
    ? { ...ZERO }
    : { activePeerMentors: row.activePeerMentors, confirmedAssignments: row.confirmedAssignments, activityDays: row.activityDays };

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
    .sort((a, b) => (a.scopeId === null ? 1 : b.scopeId === null ? -1 : a.scopeId.localeCompare(b.scopeId)));
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
    totals: {
      ...figures(total),
      cancelledAssignments: input.cancelledAssignments,
      crossings: byTier.reduce((sum, tier) => sum + tier.crossings, 0),
      honorariumTotal: sumAmounts(byTier.map((tier) => tier.honorariumTotal)),
    },
    byScope,
    byMonth,
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
  "activity_days",
  "crossings",
  "honorarium_total",
  "currency",
] as const;

/** The report as CSV: the versioned header line, a metadata line, the column line, then one row per figure group. */
export function renderBufdirCsv(report: BufdirReport, generatedAt: Date): string {
  const lines: string[] = [
    `# ${report.format}`,
    `# organization_id=${report.organizationId};year=${report.year};time_zone=${report.timeZone};generated_at=${generatedAt.toISOString()}`,
    BUFDIR_CSV_COLUMNS.join(","),
  ];
  const row = (cells: (string | number | null)[]) => lines.push(cells.map(csvCell).join(","));
  const t = report.totals;
  row([
    "total",
    null,
    null,
    null,
    null,
    null,
    t.activePeerMentors,
    t.confirmedAssignments,
    t.activityDays,
    t.crossings,
    t.honorariumTotal,
    null,
  ]);
  for (const s of report.byScope) {
    row([
      "scope",
      s.scopeId ?? "whole_organization",
      null,
      null,
      null,
      null,
      s.activePeerMentors,
      s.confirmedAssignments,
      s.activityDays,
      null,
      null,
      null,
    ]);
  }
  for (const m of report.byMonth)
    row(["month", null, m.month, null, null, null, m.activePeerMentors, m.confirmedAssignments, m.activityDays, null, null, null]);
  for (const tier of report.byTier) {
    row([
      "tier",
      null,
      null,
      tier.tierName,
      tier.thresholdLevel,
      tier.thresholdCount,
      null,
      null,
      null,
      tier.crossings,
      tier.honorariumTotal,
      tier.currency,
    ]);
  }
  return `${lines.join("\r\n")}\r\n`;
}

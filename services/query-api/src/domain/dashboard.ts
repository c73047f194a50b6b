import { progressToward } from "@honorarium/shared/domain";
import type { Crossing, CurrentPeriod, PeriodCounts, TaxStatus } from "./progress.ts";

/** Spec 001: a mentor is "approaching" when at most this many assignments remain to the next threshold. */
export const APPROACHING_WITHIN = 2;

export interface ApproachingEntry {
  peerMentorId: string;
  scopeId: string | null;
  periodType: string;
  periodKey: string;
  count: number;
  nextThreshold: number;
  nextTierName: string;
  remaining: number;
}

export interface RecordEntry {
  recordId: string;
  peerMentorId: string;
  scopeId: string | null;
  tierName: string | null;
  thresholdCount: number;
  honorariumRate: string;
  /** What paying this record pays (the one rule): the top-up where a higher tier replaces a lower one. */
  amountDue: string;
  currency: string;
  periodKey: string;
  paymentStatus: string;
  reachedAt: string | null;
  flaggedAt: string | null;
}

export interface TaxEntry {
  peerMentorId: string;
  honorariumYearToDate: string;
  taxFreeLimit: string;
  status: Exclude<TaxStatus, "below">;
}

/** Mentors within APPROACHING_WITHIN of their next tier, per current period; `rows[k].counts[i]` is the count in `periods[i]`. */
export function approachingEntries(rows: readonly PeriodCounts[], periods: readonly CurrentPeriod[]): ApproachingEntry[] {
  const entries: ApproachingEntry[] = [];
  for (const row of rows) {
    for (const [i, period] of periods.entries()) {
      const count = row.counts[i] ?? 0;
      const progress = progressToward(period.tiers, count);
      if (progress.next === null || progress.remaining === null || progress.remaining > APPROACHING_WITHIN) continue;
      entries.push({
        peerMentorId: row.peerMentorId,
        scopeId: row.scopeId,
        periodType: period.periodType,
        periodKey: period.periodKey,
        count,
        nextThreshold: progress.next.thresholdCount,
        nextTierName: progress.next.name,
        remaining: progress.remaining,
      });
    }
  }
  return entries;
}

export function recordEntry(crossing: Crossing): RecordEntry {
  return {
    recordId: crossing.id,
    peerMentorId: crossing.peerMentorId,
    scopeId: crossing.scopeId,
    tierName: crossing.tierName,
    thresholdCount: crossing.thresholdCount,
    honorariumRate: crossing.honorariumRate,
    amountDue: crossing.amountDue,
    currency: crossing.currency,
    periodKey: crossing.periodKey,
    paymentStatus: crossing.paymentStatus,
    reachedAt: crossing.reachedAt ?? crossing.recordedAt,
    flaggedAt: crossing.reviewFlaggedAt,
  };
}

export const SORT_KEYS = ["urgency", "peerMentorId", "date"] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDirection = "asc" | "desc";

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
  pageCount: number;
}

export function paginate<T>(items: readonly T[], page: number, pageSize: number): Page<T> {
  const total = items.length;
  return {
    items: items.slice((page - 1) * pageSize, page * pageSize),
    total,
    page,
    pageSize,
    pageCount: Math.max(1, Math.ceil(total / pageSize)),
  };
}

const byString = (a: string | null, b: string | null): number => (a ?? "").localeCompare(b ?? "");

/** "Urgency" per section: fewest remaining, oldest unpaid crossing, oldest flag, highest honorarium. */
function comparators(sortBy: SortKey): {
  approaching: (a: ApproachingEntry, b: ApproachingEntry) => number;
  records: (a: RecordEntry, b: RecordEntry) => number;
  tax: (a: TaxEntry, b: TaxEntry) => number;
} {
  const tieBreak = (a: { peerMentorId: string }, b: { peerMentorId: string }) => a.peerMentorId.localeCompare(b.peerMentorId);
  switch (sortBy) {
    case "peerMentorId":
      return { approaching: tieBreak, records: (a, b) => tieBreak(a, b) || byString(a.recordId, b.recordId), tax: tieBreak };
    case "date":
      return {
        approaching: (a, b) => a.periodKey.localeCompare(b.periodKey) || tieBreak(a, b),
        records: (a, b) => byString(a.reachedAt, b.reachedAt) || byString(a.recordId, b.recordId),
        tax: tieBreak,
      };
    case "urgency":
      return {
        approaching: (a, b) => a.remaining - b.remaining || b.count - a.count || tieBreak(a, b),
        records: (a, b) => byString(a.flaggedAt ?? a.reachedAt, b.flaggedAt ?? b.reachedAt) || byString(a.recordId, b.recordId),
        tax: (a, b) => Number(b.honorariumYearToDate) - Number(a.honorariumYearToDate) || tieBreak(a, b),
      };
  }
}

export interface DashboardView {
  allUpToDate: boolean;
  message: string;
  approaching: Page<ApproachingEntry>;
  actionRequired: Page<RecordEntry>;
  flaggedForReview: Page<RecordEntry>;
  nearTaxFreeLimit: Page<TaxEntry>;
}

export interface DashboardFacts {
  approaching: ApproachingEntry[];
  pendingPayments: Crossing[];
  flagged: Crossing[];
  nearTax: TaxEntry[];
}

/** Sorts, paginates and sums up the four sections of the coordinator dashboard (spec 001). */
export function shapeDashboard(
  facts: DashboardFacts,
  options: { page: number; pageSize: number; sortBy: SortKey; direction: SortDirection },
): DashboardView {
  const compare = comparators(options.sortBy);
  const flip = options.direction === "desc" ? -1 : 1;
  const sorted = <T>(items: readonly T[], cmp: (a: T, b: T) => number): T[] => [...items].sort((a, b) => flip * cmp(a, b));
  const approaching = sorted(facts.approaching, compare.approaching);
  const actionRequired = sorted(facts.pendingPayments.map(recordEntry), compare.records);
  const flagged = sorted(facts.flagged.map(recordEntry), compare.records);
  const nearTax = sorted(facts.nearTax, compare.tax);
  const allUpToDate = approaching.length + actionRequired.length + flagged.length + nearTax.length === 0;
  return {
    allUpToDate,
    message: allUpToDate
      ? "All honorarium statuses are up to date."
      : `${actionRequired.length} payment(s) need action, ${approaching.length} mentor(s) approaching a threshold, ${flagged.length} crossing(s) flagged for review, ${nearTax.length} mentor(s) near the tax-free limit.`,
    approaching: paginate(approaching, options.page, options.pageSize),
    actionRequired: paginate(actionRequired, options.page, options.pageSize),
    flaggedForReview: paginate(flagged, options.page, options.pageSize),
    nearTaxFreeLimit: paginate(nearTax, options.page, options.pageSize),
  };
}

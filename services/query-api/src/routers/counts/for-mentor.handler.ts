import { localDateOf, monthKeysOfPeriod, startOfLocalDay } from "@honorarium/shared/domain";
import { cacheVersions, periodBoundaryStamp } from "../../adapters/redis/read-cache.ts";
import { canSeeScope, resolveOrganization, visibilityOf } from "../../domain/access.ts";
import {
  type PeriodProgress,
  type TaxFreeStanding,
  countOver,
  currentPeriods,
  incomeYearBasis,
  incomeYearWindow,
  periodProgress,
  taxFreeStanding,
  openingBalanceOf,
} from "../../domain/progress.ts";
import { resolveVisibleMentor } from "../mentor-access.ts";
import type { HandlerOptions } from "../types.ts";
import type { ForMentorInput } from "./for-mentor.schema.ts";

/** The first instant of the day after `date` (YYYY-MM-DD) in the zone. */
function endOfLocalDay(date: string, timeZone: string): Date {
  const [year = 0, month = 1, day = 1] = date.split("-").map(Number);
  const next = new Date(Date.UTC(year, month - 1, day + 1));
  return startOfLocalDay({ year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() }, timeZone);
}

export interface MentorCounts {
  organizationId: string;
  peerMentorId: string;
  timeZone: string;
  asOf: string;
  incomeYear: number;
  /** Confirmed, not cancelled, assignments this calendar year across the visible scopes. */
  confirmedThisYear: number;
  hasThresholds: boolean;
  /** Each period's `count` includes its `openingBalance` (go-live import; 0 when none). */
  scopes: { scopeId: string | null; periods: (PeriodProgress & { openingBalance: number })[] }[];
  /** The income year's honorarium against the tax-free limit: paid this year plus owed and not yet paid (the person's total in this organization). */
  taxFree: TaxFreeStanding;
}

export async function forMentorHandler({ ctx, input }: HandlerOptions<ForMentorInput>): Promise<MentorCounts & { cached: boolean }> {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const visibility = visibilityOf(ctx.caller);
  const peerMentorId = await resolveVisibleMentor(ctx, organizationId, visibility, input.peerMentorId);
  const viewKey = visibility.kind === "scopes" ? [...visibility.scopeIds].sort() : visibility.kind;
  const { value, hit } = await ctx.deps.cache.getOrLoad(
    [cacheVersions.mentor(organizationId, peerMentorId), cacheVersions.organizationConfig(organizationId)],
    ["counts.forMentor", organizationId, peerMentorId, viewKey, input.asOf ?? periodBoundaryStamp(ctx.deps.now())],
    () => loadMentorCounts(ctx, organizationId, peerMentorId, (scopeId) => canSeeScope(visibility, scopeId), input.asOf),
  );
  return { ...value, cached: hit };
}

async function loadMentorCounts(
  ctx: HandlerOptions<unknown>["ctx"],
  organizationId: string,
  peerMentorId: string,
  scopeVisible: (scopeId: string | null) => boolean,
  asOf: string | undefined,
): Promise<MentorCounts> {
  const { organizations, configs, counts, records } = ctx.deps.repositories;
  const [timeZone, tiers] = await Promise.all([
    organizations.timeZone(organizationId),
    asOf === undefined ? configs.activeTiers(organizationId) : configs.tiersForEvaluation(organizationId),
  ]);
  // The end of the asked-for day (its last instant) is in every period that day belongs to.
  const now = asOf === undefined ? ctx.deps.now() : new Date(endOfLocalDay(asOf, timeZone).getTime() - 1);
  const incomeYear = localDateOf(now, timeZone).year;
  const yearMonths = monthKeysOfPeriod("calendar_year", String(incomeYear));
  const periods = currentPeriods(tiers, now, timeZone);
  const [allCounts, mentorCrossings, taxFreeLimit, allBalances] = await Promise.all([
    counts.mentorMonthCounts(organizationId, peerMentorId, yearMonths),
    records.crossingsOfMentors(organizationId, [peerMentorId]),
    organizations.taxFreeLimit(organizationId, incomeYear),
    counts.visibleOpeningBalances(organizationId, { kind: "self", peerMentorId }, periods, peerMentorId),
  ]);
  const visibleCounts = allCounts.filter((row) => scopeVisible(row.scopeId));
  const visibleCrossings = mentorCrossings.filter((crossing) => crossing.fiscalYear === incomeYear && scopeVisible(crossing.scopeId));
  const balances = allBalances.filter((row) => scopeVisible(row.scopeId));
  const scopeIds = [
    ...new Set([...visibleCounts.map((row) => row.scopeId), ...visibleCrossings.map((c) => c.scopeId), ...balances.map((b) => b.scopeId)]),
  ];
  if (scopeIds.length === 0) scopeIds.push(null);
  scopeIds.sort((a, b) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)));
  return {
    organizationId,
    peerMentorId,
    timeZone,
    asOf: now.toISOString(),
    incomeYear,
    confirmedThisYear: countOver(visibleCounts, yearMonths),
    hasThresholds: periods.length > 0,
    scopes: scopeIds.map((scopeId) => {
      const scopeCounts = visibleCounts.filter((row) => row.scopeId === scopeId);
      const scopeCrossings = visibleCrossings.filter((c) => c.scopeId === scopeId);
      return {
        scopeId,
        // A period's count is its go-live opening balance plus what the system counted (as in the counter).
        periods: periods.map((period) => {
          const openingBalance = openingBalanceOf(balances, scopeId, period.periodType, period.periodKey);
          return {
            ...periodProgress(period, openingBalance + countOver(scopeCounts, period.monthKeys), scopeCrossings),
            openingBalance,
          };
        }),
      };
    }),
    // Tax is per person and by the year of payment: every scope and period of the mentor counts.
    taxFree: taxFreeStanding(
      incomeYear,
      incomeYearBasis(mentorCrossings, incomeYearWindow(incomeYear, timeZone)),
      taxFreeLimit,
      ctx.deps.settings.taxNearRatio,
    ),
  };
}

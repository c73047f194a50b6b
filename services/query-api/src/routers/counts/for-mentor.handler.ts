import { localDateOf, monthKeysOfPeriod } from "@honorarium/shared/domain";
import { cacheVersions, periodBoundaryStamp } from "../../adapters/redis/read-cache.ts";
import { canSeeScope, resolveOrganization, visibilityOf } from "../../domain/access.ts";
import {
  type PeriodProgress,
  type TaxFreeStanding,
  countOver,
  currentPeriods,
  honorariumForYear,
  periodProgress,
  taxFreeStanding,
} from "../../domain/progress.ts";
import { resolveVisibleMentor } from "../mentor-access.ts";
import type { HandlerOptions } from "../types.ts";
import type { ForMentorInput } from "./for-mentor.schema.ts";

export interface MentorCounts {
  organizationId: string;
  peerMentorId: string;
  timeZone: string;
  asOf: string;
  incomeYear: number;
  /** Confirmed, not cancelled, assignments this calendar year across the visible scopes. */
  confirmedThisYear: number;
  hasThresholds: boolean;
  scopes: { scopeId: string | null; periods: PeriodProgress[] }[];
  /** Year-to-date honorarium against the tax-free limit (the person's total in this organization). */
  taxFree: TaxFreeStanding;
}

export async function forMentorHandler({ ctx, input }: HandlerOptions<ForMentorInput>): Promise<MentorCounts & { cached: boolean }> {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const visibility = visibilityOf(ctx.caller);
  const peerMentorId = await resolveVisibleMentor(ctx, organizationId, visibility, input.peerMentorId);
  const viewKey = visibility.kind === "scopes" ? [...visibility.scopeIds].sort() : visibility.kind;
  const { value, hit } = await ctx.deps.cache.getOrLoad(
    [cacheVersions.mentor(organizationId, peerMentorId), cacheVersions.organizationConfig(organizationId)],
    ["counts.forMentor", organizationId, peerMentorId, viewKey, periodBoundaryStamp(ctx.deps.now())],
    () => loadMentorCounts(ctx, organizationId, peerMentorId, (scopeId) => canSeeScope(visibility, scopeId)),
  );
  return { ...value, cached: hit };
}

async function loadMentorCounts(
  ctx: HandlerOptions<unknown>["ctx"],
  organizationId: string,
  peerMentorId: string,
  scopeVisible: (scopeId: string | null) => boolean,
): Promise<MentorCounts> {
  const { organizations, configs, counts, records } = ctx.deps.repositories;
  const now = ctx.deps.now();
  const [timeZone, tiers] = await Promise.all([organizations.timeZone(organizationId), configs.activeTiers(organizationId)]);
  const incomeYear = localDateOf(now, timeZone).year;
  const yearMonths = monthKeysOfPeriod("calendar_year", String(incomeYear));
  const [allCounts, yearCrossings, taxFreeLimit] = await Promise.all([
    counts.mentorMonthCounts(organizationId, peerMentorId, yearMonths),
    records.crossingsOfMentors(organizationId, [peerMentorId], incomeYear),
    organizations.taxFreeLimit(organizationId, incomeYear),
  ]);
  const visibleCounts = allCounts.filter((row) => scopeVisible(row.scopeId));
  const visibleCrossings = yearCrossings.filter((crossing) => scopeVisible(crossing.scopeId));
  const periods = currentPeriods(tiers, now, timeZone);
  const scopeIds = [...new Set([...visibleCounts.map((row) => row.scopeId), ...visibleCrossings.map((c) => c.scopeId)])];
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
        periods: periods.map((period) => periodProgress(period, countOver(scopeCounts, period.monthKeys), scopeCrossings)),
      };
    }),
    taxFree: taxFreeStanding(incomeYear, honorariumForYear(yearCrossings, incomeYear), taxFreeLimit, ctx.deps.settings.taxNearRatio),
  };
}

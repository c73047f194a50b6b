import { localDateOf } from "@honorarium/shared/domain";
import { cacheVersions, periodBoundaryStamp } from "../../adapters/redis/read-cache.ts";
import { type Visibility, requireScopes, resolveOrganization, visibilityOf } from "../../domain/access.ts";
import { type DashboardView, type TaxEntry, approachingEntries, shapeDashboard } from "../../domain/dashboard.ts";
import { type Crossing, currentPeriods, incomeYearBasis, taxFreeStanding, withOpeningBalances } from "../../domain/progress.ts";
import type { HandlerOptions } from "../types.ts";
import type { DashboardInput } from "./dashboard.schema.ts";

export async function dashboardHandler({
  ctx,
  input,
}: HandlerOptions<DashboardInput>): Promise<DashboardView & { cached: boolean; asOf: string }> {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const callerVisibility = visibilityOf(ctx.caller);
  requireScopes(callerVisibility, input.scopeIds);
  const visibility: Visibility = input.scopeIds !== undefined ? { kind: "scopes", scopeIds: input.scopeIds } : callerVisibility;
  const viewKey = visibility.kind === "scopes" ? [...visibility.scopeIds].sort() : visibility.kind;
  const { value, hit } = await ctx.deps.cache.getOrLoad(
    [cacheVersions.organizationCounts(organizationId), cacheVersions.organizationConfig(organizationId)],
    [
      "counts.dashboard",
      organizationId,
      viewKey,
      input.page,
      input.pageSize,
      input.sortBy,
      input.direction,
      periodBoundaryStamp(ctx.deps.now()),
    ],
    async () => {
      const view = await loadDashboard(ctx, organizationId, visibility, input);
      return { ...view, asOf: ctx.deps.now().toISOString() };
    },
  );
  return { ...value, cached: hit };
}

async function loadDashboard(
  ctx: HandlerOptions<unknown>["ctx"],
  organizationId: string,
  visibility: Visibility,
  input: DashboardInput,
): Promise<DashboardView> {
  const { organizations, configs, counts, records } = ctx.deps.repositories;
  const now = ctx.deps.now();
  const [timeZone, tiers] = await Promise.all([organizations.timeZone(organizationId), configs.activeTiers(organizationId)]);
  const incomeYear = localDateOf(now, timeZone).year;
  const periods = currentPeriods(tiers, now, timeZone);
  const [countedPeriods, balances, pendingPayments, flagged, taxMentors, taxFreeLimit] = await Promise.all([
    counts.visiblePeriodCounts(
      organizationId,
      visibility,
      periods.map((period) => period.monthKeys),
    ),
    counts.visibleOpeningBalances(organizationId, visibility, periods),
    records.crossings(organizationId, visibility, { paymentStatus: "pending" }),
    records.crossings(organizationId, visibility, { needsReview: true }),
    records.mentorsWithIncomeInYear(organizationId, visibility, incomeYear, timeZone),
    organizations.taxFreeLimit(organizationId, incomeYear),
  ]);
  // Approaching is judged by balance + counted, like the counter's crossings.
  const monthCounts = withOpeningBalances(countedPeriods, periods, balances);
  // Tax is per person: a visible mentor's honorarium counts in full, whatever scope it came from.
  const byMentor = new Map<string, Crossing[]>();
  for (const crossing of await records.crossingsOfMentors(organizationId, taxMentors)) {
    byMentor.set(crossing.peerMentorId, [...(byMentor.get(crossing.peerMentorId) ?? []), crossing]);
  }
  const nearTax: TaxEntry[] = [];
  for (const [peerMentorId, crossings] of byMentor) {
    const standing = taxFreeStanding(
      incomeYear,
      incomeYearBasis(crossings, incomeYear, timeZone),
      taxFreeLimit,
      ctx.deps.settings.taxNearRatio,
    );
    if (standing.status !== "below") {
      nearTax.push({
        peerMentorId,
        honorariumYearToDate: standing.honorariumYearToDate,
        taxFreeLimit: standing.taxFreeLimit,
        status: standing.status,
      });
    }
  }
  return shapeDashboard(
    { approaching: approachingEntries(monthCounts, periods), pendingPayments, flagged, nearTax },
    { page: input.page, pageSize: input.pageSize, sortBy: input.sortBy, direction: input.direction },
  );
}

import { localDateOf } from "@honorarium/shared/domain";
import { cacheVersions, periodBoundaryStamp } from "../../adapters/redis/read-cache.ts";
import { type Visibility, canSeeRow, requireScopes, resolveOrganization, visibilityOf } from "../../domain/access.ts";
import { APPROACHING_WITHIN, type DashboardView, type TaxEntry, approachingEntries, shapeDashboard } from "../../domain/dashboard.ts";
import {
  type Crossing,
  countsTowardIncomeYear,
  currentPeriods,
  incomeYearBasis,
  incomeYearWindow,
  taxFreeStanding,
} from "../../domain/progress.ts";
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
  const [approachingCounts, crossings, taxFreeLimit] = await Promise.all([
    // Approaching is judged by balance + counted, like the counter's crossings.
    counts.approachingPeriodCounts(organizationId, visibility, periods, APPROACHING_WITHIN),
    records.crossingsOfMentorsWithOpenItems(organizationId, visibility, incomeYear, timeZone),
    organizations.taxFreeLimit(organizationId, incomeYear),
  ]);
  // The lists show visible records; tax is per person: a mentor with visible income counts in full, whatever scope it came from.
  const visible = crossings.filter((crossing) => canSeeRow(visibility, crossing));
  const pendingPayments = visible.filter((crossing) => crossing.paymentStatus === "pending");
  const flagged = visible.filter((crossing) => crossing.needsReview && crossing.reviewResolvedAt === null);
  const year = incomeYearWindow(incomeYear, timeZone);
  const taxMentors = new Set(visible.filter((crossing) => countsTowardIncomeYear(crossing, year)).map((crossing) => crossing.peerMentorId));
  const byMentor = new Map<string, Crossing[]>();
  for (const crossing of crossings) {
    if (!taxMentors.has(crossing.peerMentorId)) continue;
    const ofMentor = byMentor.get(crossing.peerMentorId);
    if (ofMentor === undefined) byMentor.set(crossing.peerMentorId, [crossing]);
    else ofMentor.push(crossing);
  }
  const nearTax: TaxEntry[] = [];
  for (const [peerMentorId, ofMentor] of byMentor) {
    const standing = taxFreeStanding(incomeYear, incomeYearBasis(ofMentor, year), taxFreeLimit, ctx.deps.settings.taxNearRatio);
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
    { approaching: approachingEntries(approachingCounts, periods), pendingPayments, flagged, nearTax },
    { page: input.page, pageSize: input.pageSize, sortBy: input.sortBy, direction: input.direction },
  );
}

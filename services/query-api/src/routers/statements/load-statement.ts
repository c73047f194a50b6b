import { monthKeysOfPeriod, type PeriodType } from "@honorarium/shared/domain";
import { type Visibility, requireScopes, resolveOrganization, visibilityOf } from "../../domain/access.ts";
import { type StatementLine, statementLines } from "../../domain/statement.ts";
import type { HandlerOptions } from "../types.ts";

export interface StatementSelection {
  organizationId?: string | undefined;
  scopeIds?: string[] | undefined;
  periodType: PeriodType;
  periodKey: string;
}

/** The lines of one period's statement for what the caller may see (narrowed to `scopeIds` when given). */
export async function loadStatement(
  ctx: HandlerOptions<unknown>["ctx"],
  input: StatementSelection,
): Promise<{ organizationId: string; visibility: Visibility; lines: StatementLine[] }> {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const callerVisibility = visibilityOf(ctx.caller);
  requireScopes(callerVisibility, input.scopeIds);
  const visibility: Visibility = input.scopeIds !== undefined ? { kind: "scopes", scopeIds: input.scopeIds } : callerVisibility;
  const { counts, records } = ctx.deps.repositories;
  const period = { periodType: input.periodType, periodKey: input.periodKey };
  const [monthCounts, crossings, openingBalances] = await Promise.all([
    counts.visibleMonthCounts(organizationId, visibility, monthKeysOfPeriod(input.periodType, input.periodKey)),
    records.crossings(organizationId, visibility, { period }),
    counts.visibleOpeningBalances(organizationId, visibility, [period]),
  ]);
  const currency = crossings[0]?.currency ?? "NOK";
  return { organizationId, visibility, lines: statementLines(monthCounts, crossings, currency, openingBalances) };
}

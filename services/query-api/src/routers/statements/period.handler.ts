import { paginate } from "../../domain/dashboard.ts";
import { sortStatement, statementTotals } from "../../domain/statement.ts";
import type { HandlerOptions } from "../types.ts";
import { loadStatement } from "./load-statement.ts";
import type { PeriodStatementInput } from "./period.schema.ts";

/**
 * The statement of one period (period type and key, any period, not only the current one): per
 * mentor and scope the count, the tiers crossed, what is owed by the one rule, paid and outstanding.
 */
export async function periodStatementHandler({ ctx, input }: HandlerOptions<PeriodStatementInput>) {
  const { organizationId, lines } = await loadStatement(ctx, input);
  const sorted = sortStatement(lines, input.sortBy, input.direction);
  return {
    organizationId,
    periodType: input.periodType,
    periodKey: input.periodKey,
    asOf: ctx.deps.now().toISOString(),
    totals: statementTotals(sorted),
    lines: paginate(sorted, input.page, input.pageSize),
  };
}

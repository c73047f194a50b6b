import { renderStatementCsv, sortStatement, statementTotals } from "../../domain/statement.ts";
import type { HandlerOptions } from "../types.ts";
import type { StatementExportInput } from "./export-csv.schema.ts";
import { loadStatement } from "./load-statement.ts";

/** The whole statement as CSV (also served as a file at /files/statements.exportCsv) and as JSON lines. */
export async function statementExportHandler({ ctx, input }: HandlerOptions<StatementExportInput>) {
  const { organizationId, lines } = await loadStatement(ctx, input);
  const sorted = sortStatement(lines, input.sortBy, input.direction);
  return {
    filename: `statement-${organizationId}-${input.periodType}-${input.periodKey}.csv`,
    contentType: "text/csv; charset=utf-8",
    csv: renderStatementCsv({
      organizationId,
      periodType: input.periodType,
      periodKey: input.periodKey,
      lines: sorted,
      generatedAt: ctx.deps.now(),
    }),
    totals: statementTotals(sorted),
    lines: sorted,
  };
}

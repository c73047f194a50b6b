import { parseOpeningBalancesCsv } from "@honorarium/shared/domain";
import { cacheVersions } from "../../adapters/redis/read-cache.ts";
import { resolveOrganization } from "../../domain/access.ts";
import { DomainError } from "../../domain/errors.ts";
import type { HandlerOptions } from "../types.ts";
import type { ImportOpeningBalancesInput } from "./import.schema.ts";

/**
 * Go-live opening balances from CSV (README "Go-live import"). A dry run reports every invalid line
 * (line number, field, code, reason) and what each valid line would record, and writes nothing. The
 * real import refuses the whole file if any line is invalid (BAD_REQUEST with the same errors in
 * `details.errors`), else writes every line in one transaction: re-importing the same mentor × scope
 * × period replaces it, so importing a corrected file again is safe.
 */
export async function importOpeningBalancesHandler({ ctx, input }: HandlerOptions<ImportOpeningBalancesInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const parsed = parseOpeningBalancesCsv(input.csv);
  if (!parsed.ok) throw new DomainError("invalid", parsed.message, { rule: `csv_${parsed.reason}` });
  const apply = !input.dryRun && parsed.errors.length === 0;
  const report = await ctx.deps.repositories.openingBalances.importLines(organizationId, ctx.caller, ctx.deps.now(), parsed.lines, apply);
  const errors = [...parsed.errors, ...report.errors].sort((a, b) => a.line - b.line);
  if (!input.dryRun && errors.length > 0) {
    throw new DomainError("invalid", `${errors.length} invalid line(s): nothing was imported (run a dry run for the full report)`, {
      rule: "opening_balance_lines_valid",
      details: { errors },
    });
  }
  if (apply)
    await ctx.deps.cache.bump([cacheVersions.organizationCounts(organizationId), cacheVersions.organizationConfig(organizationId)]);
  return {
    organizationId,
    dryRun: input.dryRun,
    imported: apply ? report.lines.length : 0,
    valid: errors.length === 0,
    errors,
    lines: report.lines,
  };
}

import { renderBufdirCsv } from "../../domain/bufdir.ts";
import type { HandlerOptions } from "../types.ts";
import { aggregateHandler } from "./aggregate.handler.ts";
import type { ExportCsvInput } from "./export-csv.schema.ts";

export async function exportCsvHandler(options: HandlerOptions<ExportCsvInput>) {
  const report = await aggregateHandler(options);
  return {
    filename: `bufdir-${report.organizationId}-${report.year}.csv`,
    contentType: "text/csv; charset=utf-8",
    csv: renderBufdirCsv(report, options.ctx.deps.now()),
    report,
  };
}

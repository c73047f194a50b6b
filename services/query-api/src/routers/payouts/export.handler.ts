import { renderPayoutCsv } from "../../domain/payout.ts";
import type { HandlerOptions } from "../types.ts";
import type { BatchInput } from "./batch.schema.ts";
import { loadVisibleBatch } from "./load-batch.ts";

/** The payroll file of a batch (one line per mentor), as CSV (also at /files/payouts.export) and JSON. Exporting changes nothing. */
export async function exportHandler({ ctx, input }: HandlerOptions<BatchInput>) {
  const { organizationId, batch, lines } = await loadVisibleBatch(ctx, input);
  return {
    filename: `payout-${batch.id}.csv`,
    contentType: "text/csv; charset=utf-8",
    csv: renderPayoutCsv({ batchId: batch.id, organizationId, status: batch.status, lines, generatedAt: ctx.deps.now() }),
    batch,
    lines,
  };
}

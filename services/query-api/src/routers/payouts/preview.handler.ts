import { sumAmounts } from "@honorarium/shared/domain";
import type { HandlerOptions } from "../types.ts";
import type { PayoutSelectionInput } from "./preview.schema.ts";
import { selectPayout } from "./select-payout.ts";

/** What a batch of this selection would pay, per mentor, and whom it would take over the tax-free limit. Changes nothing. */
export async function previewHandler({ ctx, input }: HandlerOptions<PayoutSelectionInput>) {
  const selection = await selectPayout(ctx, input);
  return {
    organizationId: selection.organizationId,
    paidOn: selection.paidOn,
    recordCount: selection.records.length,
    mentorCount: selection.lines.length,
    totalAmount: sumAmounts(selection.lines.map((line) => line.amount)),
    lines: selection.lines,
    taxWarnings: selection.taxWarnings,
  };
}

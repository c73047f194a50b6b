import { resolveOrganization, visibilityOf, canSeeRow } from "../../domain/access.ts";
import { forbidden, notFound } from "../../domain/errors.ts";
import type { HandlerOptions } from "../types.ts";
import { loadVisibleBatch } from "../payouts/load-batch.ts";
import type { PaymentHistoryInput } from "./history.schema.ts";

/** The payment audit trail of a record or a batch: who moved what, when, from, to, with which note, batch and reference. */
export async function paymentHistoryHandler({ ctx, input }: HandlerOptions<PaymentHistoryInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  if (input.recordId !== undefined) {
    const record = await ctx.deps.repositories.records.findCrossing(organizationId, input.recordId);
    if (record === undefined) throw notFound(`no honorarium record ${input.recordId} in this organization`);
    if (!canSeeRow(visibilityOf(ctx.caller), record)) throw forbidden("this record is outside your scopes");
  }
  if (input.batchId !== undefined) await loadVisibleBatch(ctx, { organizationId, batchId: input.batchId });
  const { items, total } = await ctx.deps.repositories.payouts.history(
    organizationId,
    { recordId: input.recordId, batchId: input.batchId },
    { limit: input.pageSize, offset: (input.page - 1) * input.pageSize },
  );
  return { items, total, page: input.page, pageSize: input.pageSize, pageCount: Math.max(1, Math.ceil(total / input.pageSize)) };
}

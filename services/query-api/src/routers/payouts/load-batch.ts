import { canSeeRow, resolveOrganization, visibilityOf } from "../../domain/access.ts";
import { forbidden, notFound } from "../../domain/errors.ts";
import { type PayoutLine, type PayoutRecord, payoutLines } from "../../domain/payout.ts";
import type { PayoutBatch } from "../../ports.ts";
import type { HandlerOptions } from "../types.ts";

/** A batch of the caller's organization whose every record the caller may see (a coordinator: their scopes). */
export async function loadVisibleBatch(
  ctx: HandlerOptions<unknown>["ctx"],
  input: { organizationId?: string | undefined; batchId: string },
): Promise<{ organizationId: string; batch: PayoutBatch; records: PayoutRecord[]; lines: PayoutLine[] }> {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const found = await ctx.deps.repositories.payouts.find(organizationId, input.batchId);
  if (found === undefined) throw notFound(`no payout batch ${input.batchId} in this organization`);
  const visibility = visibilityOf(ctx.caller);
  if (!found.records.every((record) => canSeeRow(visibility, record)))
    throw forbidden("this payout batch holds records outside your scopes");
  const payees = await ctx.deps.repositories.payouts.payeeReferences(
    organizationId,
    found.records.map((record) => record.peerMentorId),
  );
  return { organizationId, ...found, lines: payoutLines(found.records, payees) };
}

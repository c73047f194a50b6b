import { sumAmounts } from "@honorarium/shared/domain";
import { cacheVersions } from "../../adapters/redis/read-cache.ts";
import { DomainError } from "../../domain/errors.ts";
import { payoutLines } from "../../domain/payout.ts";
import type { HandlerOptions } from "../types.ts";
import type { PayoutSelectionInput } from "./preview.schema.ts";
import { selectPayout } from "./select-payout.ts";

/**
 * A payout batch from the selection: its records move to processing in one transaction. Records
 * another batch took meanwhile are skipped and named (each record is in at most one open batch).
 */
export async function createHandler({ ctx, input }: HandlerOptions<PayoutSelectionInput>) {
  const selection = await selectPayout(ctx, input);
  if (selection.records.length === 0)
    throw new DomainError("precondition_failed", "nothing outstanding to pay in this selection", { rule: "payout_batch_not_empty" });
  const created = await ctx.deps.repositories.payouts.create({
    organizationId: selection.organizationId,
    actorId: ctx.caller.userId,
    records: selection.records,
    selection: { scopeIds: input.scopeIds, periodType: input.periodType, periodKey: input.periodKey },
    now: ctx.deps.now(),
  });
  if (created.batch === undefined)
    throw new DomainError("conflict", "every selected record was taken by another batch meanwhile", {
      rule: "payout_record_in_one_batch",
      details: { skipped: created.skipped },
    });
  const lines = payoutLines(
    created.records,
    await ctx.deps.repositories.payouts.payeeReferences(
      selection.organizationId,
      created.records.map((record) => record.peerMentorId),
    ),
  );
  await ctx.deps.cache.bump([
    cacheVersions.organizationCounts(selection.organizationId),
    ...lines.map((line) => cacheVersions.mentor(selection.organizationId, line.peerMentorId)),
  ]);
  return {
    batch: created.batch,
    lines,
    totalAmount: sumAmounts(lines.map((line) => line.amount)),
    skippedRecordIds: created.skipped,
    taxWarnings: selection.taxWarnings.filter((warning) => lines.some((line) => line.peerMentorId === warning.peerMentorId)),
  };
}

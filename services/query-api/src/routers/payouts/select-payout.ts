import { localDateKeyOf } from "@honorarium/shared/domain";
import { canSeeRow, requireScopes, resolveOrganization, visibilityOf, type Visibility } from "../../domain/access.ts";
import {
  type PayoutLine,
  type PayoutRecord,
  type TaxWarning,
  isBatchable,
  payoutLines,
  payoutRecordOf,
  taxWarnings,
} from "../../domain/payout.ts";
import type { HandlerOptions } from "../types.ts";
import type { PayoutSelectionInput } from "./preview.schema.ts";

export interface PayoutSelection {
  organizationId: string;
  visibility: Visibility;
  records: PayoutRecord[];
  lines: PayoutLine[];
  paidOn: string;
  taxWarnings: TaxWarning[];
}

/** The records a batch would take (batchable, visible, with their amounts due) and what paying them means for tax. */
export async function selectPayout(ctx: HandlerOptions<unknown>["ctx"], input: PayoutSelectionInput): Promise<PayoutSelection> {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const callerVisibility = visibilityOf(ctx.caller);
  requireScopes(callerVisibility, input.scopeIds);
  const visibility: Visibility = input.scopeIds !== undefined ? { kind: "scopes", scopeIds: input.scopeIds } : callerVisibility;
  const { records, payouts, organizations } = ctx.deps.repositories;
  const crossings = await records.crossings(organizationId, visibility, {
    ...(input.recordIds === undefined ? {} : { recordIds: input.recordIds }),
    ...(input.periodType === undefined || input.periodKey === undefined
      ? {}
      : { period: { periodType: input.periodType, periodKey: input.periodKey } }),
  });
  const inOpenBatch = await payouts.openBatchRecordIds(
    organizationId,
    crossings.map((crossing) => crossing.id),
  );
  const chosen = crossings
    .filter((crossing) => canSeeRow(visibility, crossing) && isBatchable(crossing, inOpenBatch.has(crossing.id)))
    .map(payoutRecordOf)
    .filter((record) => record.amount !== "0.00");
  const timeZone = await organizations.timeZone(organizationId);
  const paidOn = input.paidOn ?? localDateKeyOf(ctx.deps.now(), timeZone);
  const incomeYear = Number(paidOn.slice(0, 4));
  const lines = payoutLines(
    chosen,
    await payouts.payeeReferences(
      organizationId,
      chosen.map((record) => record.peerMentorId),
    ),
  );
  const mentorIds = lines.map((line) => line.peerMentorId);
  const [already, limit] = await Promise.all([
    payouts.paidOrInPaymentInYear(organizationId, mentorIds, incomeYear, timeZone),
    organizations.taxFreeLimit(organizationId, incomeYear),
  ]);
  return { organizationId, visibility, records: chosen, lines, paidOn, taxWarnings: taxWarnings(lines, already, incomeYear, limit) };
}

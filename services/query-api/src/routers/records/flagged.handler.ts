import { resolveOrganization, visibilityOf } from "../../domain/access.ts";
import type { HandlerOptions } from "../types.ts";
import type { FlaggedInput } from "./flagged.schema.ts";

/** Crossings whose count fell below the threshold after a cancellation (spec 003), awaiting a person's review. */
export async function flaggedHandler({ ctx, input }: HandlerOptions<FlaggedInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const flagged = await ctx.deps.repositories.records.crossings(organizationId, visibilityOf(ctx.caller), { needsReview: true });
  const items = flagged.slice((input.page - 1) * input.pageSize, input.page * input.pageSize);
  return { organizationId, items, total: flagged.length, page: input.page, pageSize: input.pageSize };
}

import { resolveOrganization } from "../../domain/access.ts";
import type { HandlerOptions } from "../types.ts";
import type { ListBatchesInput } from "./batch.schema.ts";

/** The organization's payout batches, newest first. */
export async function listHandler({ ctx, input }: HandlerOptions<ListBatchesInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const { items, total } = await ctx.deps.repositories.payouts.list(organizationId, {
    limit: input.pageSize,
    offset: (input.page - 1) * input.pageSize,
  });
  return { items, total, page: input.page, pageSize: input.pageSize, pageCount: Math.max(1, Math.ceil(total / input.pageSize)) };
}

import { resolveOrganization } from "../../domain/access.ts";
import { overdueCutoff } from "../../domain/deliveries.ts";
import type { HandlerOptions } from "../types.ts";
import type { ListDeliveriesInput } from "./list.schema.ts";

/**
 * A coordinator's view of their organization's deliveries (spec 004). Deliveries carry no RK scope,
 * so every coordinator of the organization sees all of them (as the counter accepts dispatch by any
 * coordinator of the mentor's organization).
 */
export async function listDeliveriesHandler({ ctx, input }: HandlerOptions<ListDeliveriesInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const { items, total } = await ctx.deps.repositories.deliveries.list(
    organizationId,
    {
      peerMentorId: input.peerMentorId,
      unread: input.unread,
      deliveredBefore: input.overdue ? overdueCutoff(ctx.deps.now()) : undefined,
    },
    { limit: input.pageSize, offset: (input.page - 1) * input.pageSize },
  );
  return { organizationId, items, total, page: input.page, pageSize: input.pageSize };
}

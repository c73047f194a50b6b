import { resolveOrganization, visibilityOf } from "../../domain/access.ts";
import { overdueCutoff } from "../../domain/deliveries.ts";
import type { HandlerOptions } from "../types.ts";
import type { ListDeliveriesInput } from "./list.schema.ts";

/**
 * A coordinator's view of their organization's deliveries (spec 004). Coordinators see their scopes
 * (DESIGN.md), here too (issue 14; before, every coordinator saw the whole organisation's): a
 * delivery carries no RK scope, so a coordinator sees the deliveries they dispatched and those of
 * mentors counted in one of their scopes (or organisation-wide); administrators see all.
 */
export async function listDeliveriesHandler({ ctx, input }: HandlerOptions<ListDeliveriesInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const { items, total } = await ctx.deps.repositories.deliveries.list(
    organizationId,
    {
      peerMentorId: input.peerMentorId,
      unread: input.unread,
      deliveredBefore: input.overdue ? overdueCutoff(ctx.deps.now()) : undefined,
      coordinator: ((visibility) =>
        visibility.kind === "scopes" ? { userId: ctx.caller.userId, scopeIds: visibility.scopeIds } : undefined)(visibilityOf(ctx.caller)),
    },
    { limit: input.pageSize, offset: (input.page - 1) * input.pageSize },
  );
  return { organizationId, items, total, page: input.page, pageSize: input.pageSize };
}

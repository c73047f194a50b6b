import { resolveOrganization, visibilityOf } from "../../domain/access.ts";
import { DomainError, forbidden } from "../../domain/errors.ts";
import type { HandlerOptions } from "../types.ts";
import type { DeliveriesForMentorInput } from "./for-mentor.schema.ts";

/** One mentor's deliveries: a peer mentor their own; a coordinator or admin any mentor of their organization. */
export async function deliveriesForMentorHandler({ ctx, input }: HandlerOptions<DeliveriesForMentorInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const visibility = visibilityOf(ctx.caller);
  let peerMentorId: string;
  if (visibility.kind === "self") {
    if (input.peerMentorId !== undefined && input.peerMentorId !== visibility.peerMentorId) {
      throw forbidden("a peer mentor may only see their own deliveries");
    }
    peerMentorId = visibility.peerMentorId;
  } else {
    if (input.peerMentorId === undefined) throw new DomainError("invalid", "name the peer mentor (peerMentorId)");
    peerMentorId = input.peerMentorId;
  }
  const { items, total } = await ctx.deps.repositories.deliveries.list(
    organizationId,
    { peerMentorId, unread: false, deliveredBefore: undefined },
    { limit: input.pageSize, offset: (input.page - 1) * input.pageSize },
  );
  return { organizationId, peerMentorId, items, total, page: input.page, pageSize: input.pageSize };
}

import { resolveOrganization } from "../../domain/access.ts";
import type { HandlerOptions } from "../types.ts";
import type { MarkReadInput } from "./mark-read.schema.ts";

export async function markReadHandler({ ctx, input }: HandlerOptions<MarkReadInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const marked = await ctx.deps.repositories.notifications.markRead({
    organizationId,
    recipientId: ctx.caller.userId,
    ids: input.all === true ? "all" : (input.ids ?? []),
    now: ctx.deps.now(),
  });
  return { marked };
}

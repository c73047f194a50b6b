import { resolveOrganization } from "../../domain/access.ts";
import type { HandlerOptions } from "../types.ts";
import type { UnsubscribeInput } from "./unsubscribe.schema.ts";

export async function unsubscribeHandler({ ctx, input }: HandlerOptions<UnsubscribeInput>) {
  resolveOrganization(ctx.caller, input.organizationId);
  const removed = await ctx.deps.repositories.pushSubscriptions.remove({ userId: ctx.caller.userId, endpoint: input.endpoint });
  return { removed };
}

import { resolveOrganization } from "../../domain/access.ts";
import type { HandlerOptions } from "../types.ts";
import type { ListNotificationsInput } from "./list.schema.ts";

/** The caller's own in-app feed (written by the notifier). */
export async function listNotificationsHandler({ ctx, input }: HandlerOptions<ListNotificationsInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  return ctx.deps.repositories.notifications.list({
    organizationId,
    recipientId: ctx.caller.userId,
    unreadOnly: input.unreadOnly,
    limit: input.limit,
    before: input.before,
  });
}

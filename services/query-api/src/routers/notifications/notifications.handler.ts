import { resolveOrganization, visibilityOf } from "../../domain/access.ts";
import type { HandlerOptions } from "../types.ts";
import type { FailedNotificationsInput, ListNotificationsInput, MarkReadInput } from "./notifications.schema.ts";

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

/** Notification jobs the notifier gave up on, so a coordinator can follow up by other means. */
export async function failedNotificationsHandler({ ctx, input }: HandlerOptions<FailedNotificationsInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  return {
    organizationId,
    jobs: await ctx.deps.repositories.notifications.failedJobs(organizationId, visibilityOf(ctx.caller), input.limit),
  };
}

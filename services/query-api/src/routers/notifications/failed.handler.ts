import { resolveOrganization, visibilityOf } from "../../domain/access.ts";
import type { HandlerOptions } from "../types.ts";
import type { FailedNotificationsInput } from "./failed.schema.ts";

/** Notification jobs the notifier gave up on, so a coordinator can follow up by other means. */
export async function failedNotificationsHandler({ ctx, input }: HandlerOptions<FailedNotificationsInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  return {
    organizationId,
    jobs: await ctx.deps.repositories.notifications.failedJobs(organizationId, visibilityOf(ctx.caller), input.limit),
  };
}

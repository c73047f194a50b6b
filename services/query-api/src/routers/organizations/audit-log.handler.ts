import { resolveOrganization } from "../../domain/access.ts";
import type { HandlerOptions } from "../types.ts";
import type { OrganizationAuditLogInput } from "./audit-log.schema.ts";

/** Every settings change: who (actor sub and roles), when, what (action and subject), before, after; newest first. */
export async function organizationAuditLogHandler({ ctx, input }: HandlerOptions<OrganizationAuditLogInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const { entries, total } = await ctx.deps.repositories.organizationSettings.auditLog(organizationId, {
    limit: input.pageSize,
    offset: (input.page - 1) * input.pageSize,
  });
  return { organizationId, page: input.page, pageSize: input.pageSize, total, entries };
}

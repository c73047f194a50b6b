import { resolveOrganization } from "../../domain/access.ts";
import type { HandlerOptions } from "../types.ts";
import type { AuditLogInput, ListConfigsInput } from "./list.schema.ts";

export async function listConfigsHandler({ ctx, input }: HandlerOptions<ListConfigsInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const configs = await ctx.deps.repositories.configs.list(organizationId, input.includeInactive);
  return { organizationId, configs };
}

export async function auditLogHandler({ ctx, input }: HandlerOptions<AuditLogInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  return { organizationId, entries: await ctx.deps.repositories.configs.auditLog(organizationId, input.configId, input.limit) };
}

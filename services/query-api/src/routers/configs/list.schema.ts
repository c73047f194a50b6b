import { z } from "zod";
import { organizationIdField } from "./config.schema.ts";

export const listConfigsInput = z.object({ organizationId: organizationIdField, includeInactive: z.boolean().default(false) });
export type ListConfigsInput = z.infer<typeof listConfigsInput>;

export const auditLogInput = z.object({
  organizationId: organizationIdField,
  configId: z.uuid().optional(),
  limit: z.number().int().min(1).max(500).default(100),
});
export type AuditLogInput = z.infer<typeof auditLogInput>;

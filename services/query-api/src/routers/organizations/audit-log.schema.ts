import { z } from "zod";
import { organizationIdField, pageFields } from "../common.schema.ts";

export const organizationAuditLogInput = z.object({ organizationId: organizationIdField, ...pageFields });
export type OrganizationAuditLogInput = z.infer<typeof organizationAuditLogInput>;

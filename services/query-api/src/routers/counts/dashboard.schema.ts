import { z } from "zod";
import { SORT_KEYS } from "../../domain/dashboard.ts";
import { organizationIdField, pageFields } from "../common.schema.ts";

export const dashboardInput = z.object({
  organizationId: organizationIdField,
  /** Narrow to some of the caller's scopes. */
  scopeIds: z.array(z.uuid()).min(1).max(100).optional(),
  ...pageFields,
  sortBy: z.enum(SORT_KEYS).default("urgency"),
  direction: z.enum(["asc", "desc"]).default("asc"),
});
export type DashboardInput = z.infer<typeof dashboardInput>;

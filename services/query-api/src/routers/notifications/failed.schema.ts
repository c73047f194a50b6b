import { z } from "zod";
import { organizationIdField } from "../common.schema.ts";

export const failedNotificationsInput = z.object({
  organizationId: organizationIdField,
  limit: z.number().int().min(1).max(500).default(100),
});
export type FailedNotificationsInput = z.infer<typeof failedNotificationsInput>;

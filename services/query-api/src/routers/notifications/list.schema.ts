import { z } from "zod";
import { organizationIdField } from "../common.schema.ts";

export const listNotificationsInput = z.object({
  organizationId: organizationIdField,
  unreadOnly: z.boolean().default(false),
  limit: z.number().int().min(1).max(200).default(50),
  /** Page backwards: only notifications created before this instant. */
  before: z.iso.datetime({ offset: true }).optional(),
});
export type ListNotificationsInput = z.infer<typeof listNotificationsInput>;

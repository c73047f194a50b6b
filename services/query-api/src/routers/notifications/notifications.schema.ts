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

export const markReadInput = z
  .object({ organizationId: organizationIdField, ids: z.array(z.uuid()).min(1).max(500).optional(), all: z.literal(true).optional() })
  .refine((value) => (value.ids === undefined) !== (value.all === undefined), "give either ids or all: true");
export type MarkReadInput = z.infer<typeof markReadInput>;

export const failedNotificationsInput = z.object({
  organizationId: organizationIdField,
  limit: z.number().int().min(1).max(500).default(100),
});
export type FailedNotificationsInput = z.infer<typeof failedNotificationsInput>;

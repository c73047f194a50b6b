import { z } from "zod";
import { organizationIdField, pageFields } from "../common.schema.ts";

export const listDeliveriesInput = z.object({
  organizationId: organizationIdField,
  /** Only deliveries not opened yet (opened_at null). */
  unread: z.boolean().default(false),
  /** Only deliveries overdue for a reminder: delivered, not opened, delivered more than 10 days ago. */
  overdue: z.boolean().default(false),
  peerMentorId: z.uuid().optional(),
  ...pageFields,
});
export type ListDeliveriesInput = z.infer<typeof listDeliveriesInput>;

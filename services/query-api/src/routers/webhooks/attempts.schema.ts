import { z } from "zod";
import { organizationIdField } from "../common.schema.ts";

export const webhookAttemptsInput = z.object({
  organizationId: organizationIdField,
  /** One delivery's attempts (its webhook-id); all of the organization's when left out. */
  deliveryId: z.uuid().optional(),
  limit: z.number().int().min(1).max(200).default(50),
  /** nextCursor of the previous page. */
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,18}$/, "a cursor from a previous page")
    .optional(),
});
export type WebhookAttemptsInput = z.infer<typeof webhookAttemptsInput>;

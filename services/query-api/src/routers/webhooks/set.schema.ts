import { z } from "zod";
import { organizationIdField } from "../common.schema.ts";

export const setWebhookInput = z.object({
  organizationId: organizationIdField,
  url: z.string().min(1).max(2000),
  /** Generate a new signing secret (the old one stops working). */
  rotateSecret: z.boolean().default(false),
});
export type SetWebhookInput = z.infer<typeof setWebhookInput>;

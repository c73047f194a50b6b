import { z } from "zod";
import { TARGET_PAYMENT_STATUSES } from "../../domain/payment-lifecycle.ts";
import { organizationIdField } from "../common.schema.ts";

export const transitionInput = z.object({
  organizationId: organizationIdField,
  recordId: z.uuid(),
  to: z.enum(TARGET_PAYMENT_STATUSES),
  /** A payment reference or dispute context (notes_max_length: 2000). */
  note: z.string().trim().min(1).max(2000).optional(),
});
export type TransitionInput = z.infer<typeof transitionInput>;

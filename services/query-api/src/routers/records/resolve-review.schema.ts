import { z } from "zod";
import { organizationIdField } from "../common.schema.ts";

export const resolveReviewInput = z.object({
  organizationId: organizationIdField,
  recordId: z.uuid(),
  resolution: z.string().trim().min(3, "say how the review was resolved").max(2000),
  /** Also cancel the payment (allowed from pending or processing). */
  cancelPayment: z.boolean().default(false),
});
export type ResolveReviewInput = z.infer<typeof resolveReviewInput>;

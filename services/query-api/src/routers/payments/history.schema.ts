import { z } from "zod";
import { organizationIdField, pageFields } from "../common.schema.ts";

export const historyInput = z
  .object({ organizationId: organizationIdField, recordId: z.uuid().optional(), batchId: z.uuid().optional(), ...pageFields })
  .refine((input) => input.recordId !== undefined || input.batchId !== undefined, {
    message: "name a record (recordId) or a payout batch (batchId)",
    path: ["recordId"],
  });
export type PaymentHistoryInput = z.infer<typeof historyInput>;

import { z } from "zod";
import { organizationIdField, pageFields } from "../common.schema.ts";
import { calendarDate } from "./preview.schema.ts";

export const batchInput = z.object({ organizationId: organizationIdField, batchId: z.uuid() });
export type BatchInput = z.infer<typeof batchInput>;

export const listBatchesInput = z.object({ organizationId: organizationIdField, ...pageFields });
export type ListBatchesInput = z.infer<typeof listBatchesInput>;

export const markPaidInput = z.object({
  organizationId: organizationIdField,
  batchId: z.uuid(),
  /** The payroll or bank reference of the payment. */
  paymentReference: z.string().trim().min(1).max(200),
  /** The day the money went out (YYYY-MM-DD). */
  paidOn: calendarDate,
});
export type MarkPaidInput = z.infer<typeof markPaidInput>;

export const releaseInput = z.object({
  organizationId: organizationIdField,
  batchId: z.uuid(),
  /** Why the batch is redone (payroll refused it, wrong selection, …). */
  reason: z.string().trim().min(1).max(2000),
});
export type ReleaseInput = z.infer<typeof releaseInput>;

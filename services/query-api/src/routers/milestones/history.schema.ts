import { z } from "zod";
import { organizationIdField } from "../common.schema.ts";

export const historyInput = z.object({
  organizationId: organizationIdField,
  peerMentorId: z.uuid().optional(),
  fiscalYear: z.number().int().min(2000).max(2100).optional(),
});
export type HistoryInput = z.infer<typeof historyInput>;

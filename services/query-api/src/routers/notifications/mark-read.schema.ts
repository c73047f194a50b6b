import { z } from "zod";
import { organizationIdField } from "../common.schema.ts";

export const markReadInput = z
  .object({ organizationId: organizationIdField, ids: z.array(z.uuid()).min(1).max(500).optional(), all: z.literal(true).optional() })
  .refine((value) => (value.ids === undefined) !== (value.all === undefined), "give either ids or all: true");
export type MarkReadInput = z.infer<typeof markReadInput>;

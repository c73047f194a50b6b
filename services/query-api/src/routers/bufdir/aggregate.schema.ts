import { z } from "zod";
import { organizationIdField } from "../common.schema.ts";

export const aggregateInput = z.object({ organizationId: organizationIdField, year: z.number().int().min(2000).max(2100) });
export type AggregateInput = z.infer<typeof aggregateInput>;

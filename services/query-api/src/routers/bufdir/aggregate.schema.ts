import { z } from "zod";
import { organizationIdField } from "../common.schema.ts";

export const bufdirInput = z.object({ organizationId: organizationIdField, year: z.number().int().min(2000).max(2100) });
export type BufdirInput = z.infer<typeof bufdirInput>;

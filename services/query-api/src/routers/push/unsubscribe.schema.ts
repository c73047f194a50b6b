import { z } from "zod";
import { organizationIdField } from "../common.schema.ts";

export const unsubscribeInput = z.object({ organizationId: organizationIdField, endpoint: z.url().max(2000) });
export type UnsubscribeInput = z.infer<typeof unsubscribeInput>;

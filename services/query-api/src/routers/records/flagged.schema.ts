import { z } from "zod";
import { organizationIdField, pageFields } from "../common.schema.ts";

export const flaggedInput = z.object({ organizationId: organizationIdField, ...pageFields });
export type FlaggedInput = z.infer<typeof flaggedInput>;

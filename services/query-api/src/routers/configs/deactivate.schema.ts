import { z } from "zod";
import { organizationIdField } from "./config.schema.ts";

export const deactivateConfigInput = z.object({ organizationId: organizationIdField, id: z.uuid() });
export type DeactivateConfigInput = z.infer<typeof deactivateConfigInput>;

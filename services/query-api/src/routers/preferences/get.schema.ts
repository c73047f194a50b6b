import { z } from "zod";
import { organizationIdField } from "../common.schema.ts";

export const getPreferencesInput = z.object({ organizationId: organizationIdField });
export type GetPreferencesInput = z.infer<typeof getPreferencesInput>;

import { z } from "zod";
import { EFFECTIVE_UNTIL_MESSAGE, configFields, effectiveUntilAfterFrom, organizationIdField, overrideField } from "./config.schema.ts";

export const updateConfigInput = z.object({
  organizationId: organizationIdField,
  id: z.uuid(),
  changes: z
    .object(configFields)
    .partial()
    .refine((changes) => Object.keys(changes).length > 0, "name at least one field to change")
    .refine(effectiveUntilAfterFrom, EFFECTIVE_UNTIL_MESSAGE),
  override: overrideField,
});
export type UpdateConfigInput = z.infer<typeof updateConfigInput>;

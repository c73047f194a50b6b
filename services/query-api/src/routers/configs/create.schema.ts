import { z } from "zod";
import { EFFECTIVE_UNTIL_MESSAGE, configFields, effectiveUntilAfterFrom, organizationIdField, overrideField } from "./config.schema.ts";

export const createConfigInput = z
  .object({
    organizationId: organizationIdField,
    ...configFields,
    currency: configFields.currency.default("NOK"),
    thresholdLevel: configFields.thresholdLevel.default("custom"),
    isCumulative: configFields.isCumulative.default(false),
    effectiveUntil: configFields.effectiveUntil.default(null),
    description: configFields.description.default(null),
    notificationEnabled: configFields.notificationEnabled.default(true),
    override: overrideField,
  })
  .refine(effectiveUntilAfterFrom, EFFECTIVE_UNTIL_MESSAGE);
export type CreateConfigInput = z.infer<typeof createConfigInput>;

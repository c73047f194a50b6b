import { z } from "zod";
import { organizationFields, organizationIdField } from "./organization.schema.ts";

export const setTaxFreeLimitInput = z.object({
  organizationId: organizationIdField,
  incomeYear: organizationFields.incomeYear,
  limitAmount: organizationFields.limitAmount,
});
export type SetTaxFreeLimitInput = z.infer<typeof setTaxFreeLimitInput>;

import { z } from "zod";
import { organizationFields, organizationIdField } from "./organization.schema.ts";

export const updateOrganizationInput = z
  .object({
    organizationId: organizationIdField,
    /** null clears it. */
    displayName: organizationFields.displayName.nullable().optional(),
    /** Changeable only while nothing is counted for the organisation (time_zone_fixed_after_first_count). */
    timeZone: organizationFields.timeZone.optional(),
    locale: organizationFields.locale.optional(),
  })
  .refine(
    (input) => input.displayName !== undefined || input.timeZone !== undefined || input.locale !== undefined,
    "name at least one of displayName, timeZone, locale",
  );
export type UpdateOrganizationInput = z.infer<typeof updateOrganizationInput>;

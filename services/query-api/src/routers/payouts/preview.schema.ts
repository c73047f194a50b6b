import { PERIOD_TYPES, isValidPeriodKey } from "@honorarium/shared/domain";
import { z } from "zod";
import { organizationIdField } from "../common.schema.ts";

/** A calendar date, YYYY-MM-DD. */
export const calendarDate = z.iso.date();

/**
 * What to pay: the selected records, or everything outstanding in the caller's (or the named) scopes
 * for a period — or both, narrowed together. Used by payouts.preview and payouts.create alike.
 */
export const payoutSelectionInput = z
  .object({
    organizationId: organizationIdField,
    scopeIds: z.array(z.uuid()).min(1).max(100).optional(),
    periodType: z.enum(PERIOD_TYPES).optional(),
    periodKey: z.string().max(7).optional(),
    recordIds: z.array(z.uuid()).min(1).max(5000).optional(),
    /** The day the money will go out (tax follows its year); today in the organization's zone by default. */
    paidOn: calendarDate.optional(),
  })
  .refine((input) => input.recordIds !== undefined || input.periodType !== undefined, {
    message: "name the records (recordIds) or a period (periodType and periodKey)",
    path: ["recordIds"],
  })
  .refine((input) => (input.periodType === undefined) === (input.periodKey === undefined), {
    message: "periodType and periodKey go together",
    path: ["periodKey"],
  })
  .refine(
    (input) => input.periodType === undefined || input.periodKey === undefined || isValidPeriodKey(input.periodType, input.periodKey),
    {
      message: "does not name a period of that type (e.g. 2026, 2026-H1, 2026-Q3, 2026-07)",
      path: ["periodKey"],
    },
  );
export type PayoutSelectionInput = z.infer<typeof payoutSelectionInput>;

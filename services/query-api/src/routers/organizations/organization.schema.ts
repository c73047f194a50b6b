import { LOCALES } from "@honorarium/shared/domain";
import { z } from "zod";
import {
  AMOUNT_PATTERN,
  PAYEE_REFERENCE_PATTERN,
  hasNoControlCharacters,
  isIanaTimeZoneName,
  normalizePositiveAmount,
} from "../../domain/organization-settings.ts";
import { organizationIdField } from "../common.schema.ts";

const AMOUNT_MESSAGE = 'tax_free_limit_positive: a decimal string above 0 with at most two decimals, such as "10000.00"';

/** The organisation settings' validation rules, named in the messages. */
export const organizationFields = {
  displayName: z
    .string()
    .trim()
    .min(1, "display_name_not_blank: the display name must not be blank")
    .max(200, "display_name_max_length: at most 200 characters")
    .refine(hasNoControlCharacters, "display_name_printable: no line breaks or control characters"),
  timeZone: z
    .string()
    .max(64)
    .refine(isIanaTimeZoneName, "valid_time_zone: an IANA time zone name such as Europe/Oslo (not an offset)")
    .describe("An IANA time zone name, e.g. Europe/Oslo"),
  locale: z.enum(LOCALES, { message: `valid_locale: one of ${LOCALES.join(", ")}` }),
  incomeYear: z
    .number()
    .int("income_year_valid_range: a whole year")
    .min(2000, "income_year_valid_range: 2000 to 2100")
    .max(2100, "income_year_valid_range: 2000 to 2100"),
  /** Normalised to two decimals; never a float. */
  limitAmount: z
    .string()
    .regex(AMOUNT_PATTERN, AMOUNT_MESSAGE)
    .transform((amount, ctx) => {
      const normalized = normalizePositiveAmount(amount);
      if (normalized === undefined) {
        ctx.issues.push({ code: "custom", message: AMOUNT_MESSAGE, input: amount });
        return z.NEVER;
      }
      return normalized;
    }),
  scopeDisplayName: z
    .string()
    .trim()
    .min(1, "scope_display_name_not_blank: the name must not be blank")
    .max(120, "scope_display_name_max_length: at most 120 characters")
    .refine(hasNoControlCharacters, "scope_display_name_printable: no line breaks or control characters")
    .describe("The scope's (RK's) name: a place or unit, never a person's name"),
  payeeReference: z
    .string()
    .regex(
      PAYEE_REFERENCE_PATTERN,
      "payee_reference_format: 1 to 64 characters of letters, digits and . _ : / - (an opaque payroll id, never a name)",
    )
    .describe("The organisation's opaque payroll/accounting reference for the mentor; never a name"),
};

export { organizationIdField };

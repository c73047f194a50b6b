import { PERIOD_TYPES } from "@honorarium/shared/domain";
import { z } from "zod";
import { organizationIdField } from "../common.schema.ts";

/** Spec 002's validation rules, named in the messages. */
export const configFields = {
  name: z.string().trim().min(1, "name_not_blank: the name must not be blank").max(200),
  thresholdCount: z.number().int().positive("threshold_count_positive: must be a positive whole number").max(1_000_000),
  honorariumAmount: z
    .string()
    .regex(/^\d{1,10}(\.\d{1,2})?$/, 'honorarium_amount_non_negative: a non-negative decimal string such as "500.00"'),
  currency: z.string().regex(/^[A-Z]{3}$/, "currency_iso_format: an ISO 4217 code such as NOK"),
  periodType: z.enum(PERIOD_TYPES, { message: `valid_period_type_enum: one of ${PERIOD_TYPES.join(", ")}` }),
  tierOrder: z.number().int().min(0, "tier_order_non_negative: must be 0 or more").max(10_000),
  thresholdLevel: z.enum(["office_honorarium", "higher_rate", "custom"]),
  isCumulative: z.boolean(),
  effectiveFrom: z.iso.datetime({ offset: true, message: "effective_from_required: an ISO-8601 instant with offset" }),
  effectiveUntil: z.iso.datetime({ offset: true }).nullable(),
  description: z.string().max(2000).nullable(),
  notificationEnabled: z.boolean(),
};

export const overrideField = z
  .object({ reason: z.string().trim().min(3, "explain the override").max(500) })
  .optional()
  .describe("Explicit admin override of no_retroactive_effective_date, recorded in the audit log");

export const effectiveUntilAfterFrom = (value: { effectiveFrom?: string | undefined; effectiveUntil?: string | null | undefined }) =>
  value.effectiveUntil === undefined ||
  value.effectiveUntil === null ||
  value.effectiveFrom === undefined ||
  Date.parse(value.effectiveUntil) > Date.parse(value.effectiveFrom);

export const EFFECTIVE_UNTIL_MESSAGE = {
  message: "effective_until_after_from: effective_until must be after effective_from",
  path: ["effectiveUntil"],
};

export { organizationIdField };

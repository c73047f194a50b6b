import { PERIOD_TYPES, isValidPeriodKey } from "@honorarium/shared/domain";
import { z } from "zod";
import { STATEMENT_SORT_KEYS } from "../../domain/statement.ts";
import { organizationIdField, pageFields } from "../common.schema.ts";

/** Which period, for which scopes: every statement input starts with these. */
export const statementSelection = {
  organizationId: organizationIdField,
  /** Narrow to some of the caller's scopes (a coordinator sees only their own anyway). */
  scopeIds: z.array(z.uuid()).min(1).max(100).optional(),
  periodType: z.enum(PERIOD_TYPES),
  /** `YYYY`, `YYYY-H1`, `YYYY-Q3` or `YYYY-MM`, matching periodType. */
  periodKey: z.string().max(7),
};

export const periodKeyMatchesType = (input: { periodType: (typeof PERIOD_TYPES)[number]; periodKey: string }) =>
  isValidPeriodKey(input.periodType, input.periodKey);
export const PERIOD_KEY_MESSAGE = {
  message: "does not name a period of that type (e.g. 2026, 2026-H1, 2026-Q3, 2026-07)",
  path: ["periodKey"],
};

export const periodStatementInput = z
  .object({
    ...statementSelection,
    ...pageFields,
    sortBy: z.enum(STATEMENT_SORT_KEYS).default("peerMentorId"),
    direction: z.enum(["asc", "desc"]).default("asc"),
  })
  .refine(periodKeyMatchesType, PERIOD_KEY_MESSAGE);
export type PeriodStatementInput = z.infer<typeof periodStatementInput>;

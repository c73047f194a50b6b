import { z } from "zod";
import { STATEMENT_SORT_KEYS } from "../../domain/statement.ts";
import { PERIOD_KEY_MESSAGE, periodKeyMatchesType, statementSelection } from "./period.schema.ts";

/** The whole statement (no pages), as CSV and JSON. */
export const statementExportInput = z
  .object({
    ...statementSelection,
    sortBy: z.enum(STATEMENT_SORT_KEYS).default("peerMentorId"),
    direction: z.enum(["asc", "desc"]).default("asc"),
  })
  .refine(periodKeyMatchesType, PERIOD_KEY_MESSAGE);
export type StatementExportInput = z.infer<typeof statementExportInput>;

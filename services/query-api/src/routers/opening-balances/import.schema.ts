import { OPENING_BALANCE_MAX_BYTES } from "@honorarium/shared/domain";
import { z } from "zod";
import { organizationIdField } from "../common.schema.ts";

export const importOpeningBalancesInput = z.object({
  organizationId: organizationIdField,
  /**
   * The CSV text (header `mentor_id,scope_id,period_type,period_key,assignment_count,tiers_paid`).
   * The schema bounds it in characters so a huge body is refused before it is parsed; the exact
   * limit (768 KiB of UTF-8, 10,000 lines) is the parser's, with its own message.
   */
  csv: z
    .string()
    .max(OPENING_BALANCE_MAX_BYTES, `csv_max_size: the CSV must be at most ${OPENING_BALANCE_MAX_BYTES} bytes`)
    .describe("CSV: mentor_id,scope_id,period_type,period_key,assignment_count,tiers_paid"),
  /** true: check every line and report, write nothing. Defaults to a dry run, so an import is always deliberate. */
  dryRun: z.boolean().default(true),
});
export type ImportOpeningBalancesInput = z.infer<typeof importOpeningBalancesInput>;

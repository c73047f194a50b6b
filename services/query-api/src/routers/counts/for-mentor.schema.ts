import { z } from "zod";
import { organizationIdField } from "../common.schema.ts";

export const forMentorInput = z.object({
  organizationId: organizationIdField,
  /** Defaults to the caller for a peer mentor. */
  peerMentorId: z.uuid().optional(),
  /**
   * Any day (YYYY-MM-DD, in the organisation's zone): the periods running on that day, with the
   * tiers in effect then — e.g. 2025-12-31 for last year's final count. Today when left out.
   */
  asOf: z.iso.date().optional(),
});
export type ForMentorInput = z.infer<typeof forMentorInput>;

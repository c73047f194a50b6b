import { z } from "zod";
import { organizationIdField } from "../common.schema.ts";

export const digestsInput = z.object({ organizationId: organizationIdField });
export type DigestsInput = z.infer<typeof digestsInput>;

export const setDigestInput = z.object({
  organizationId: organizationIdField,
  /** A scope the caller coordinates (an admin: any of the organisation's). */
  scopeId: z.uuid(),
  /** true: one daily summary of the scope's crossings, in the organisation's morning, instead of a message per crossing. */
  enabled: z.boolean(),
});
export type SetDigestInput = z.infer<typeof setDigestInput>;

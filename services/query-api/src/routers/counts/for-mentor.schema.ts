import { z } from "zod";
import { organizationIdField } from "../common.schema.ts";

export const forMentorInput = z.object({
  organizationId: organizationIdField,
  /** Defaults to the caller for a peer mentor. */
  peerMentorId: z.uuid().optional(),
});
export type ForMentorInput = z.infer<typeof forMentorInput>;

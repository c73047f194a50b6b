import { z } from "zod";
import { organizationIdField, pageFields } from "../common.schema.ts";

export const deliveriesForMentorInput = z.object({
  organizationId: organizationIdField,
  /** Defaults to the caller for a peer mentor; a coordinator or admin names the mentor. */
  peerMentorId: z.uuid().optional(),
  ...pageFields,
});
export type DeliveriesForMentorInput = z.infer<typeof deliveriesForMentorInput>;

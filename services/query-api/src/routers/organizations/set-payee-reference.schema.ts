import { z } from "zod";
import { organizationFields, organizationIdField } from "./organization.schema.ts";

export const setPayeeReferenceInput = z.object({
  organizationId: organizationIdField,
  peerMentorId: z.uuid(),
  /** null clears it. */
  payeeReference: organizationFields.payeeReference.nullable(),
});
export type SetPayeeReferenceInput = z.infer<typeof setPayeeReferenceInput>;

import { z } from "zod";
import { organizationFields, organizationIdField } from "./organization.schema.ts";

export const setScopeNameInput = z.object({
  organizationId: organizationIdField,
  scopeId: z.uuid(),
  displayName: organizationFields.scopeDisplayName,
});
export type SetScopeNameInput = z.infer<typeof setScopeNameInput>;

import { z } from "zod";
import { organizationIdField } from "../common.schema.ts";

export const rotateSecretInput = z.object({ organizationId: organizationIdField });
export type RotateSecretInput = z.infer<typeof rotateSecretInput>;

import { z } from "zod";
import { organizationIdField } from "../common.schema.ts";

export const disableWebhookInput = z.object({ organizationId: organizationIdField });
export type DisableWebhookInput = z.infer<typeof disableWebhookInput>;

import { z } from "zod";
import { organizationIdField } from "../common.schema.ts";

export const enableWebhookInput = z.object({ organizationId: organizationIdField });
export type EnableWebhookInput = z.infer<typeof enableWebhookInput>;

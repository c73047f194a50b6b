import { z } from "zod";
import { organizationIdField } from "../common.schema.ts";

export const getWebhookInput = z.object({ organizationId: organizationIdField });
export type GetWebhookInput = z.infer<typeof getWebhookInput>;

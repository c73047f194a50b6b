import { z } from "zod";
import { organizationIdField } from "./organization.schema.ts";

export const settingsInput = z.object({ organizationId: organizationIdField });
export type SettingsInput = z.infer<typeof settingsInput>;

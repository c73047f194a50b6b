import { z } from "zod";
import { PREFERENCE_CATEGORIES, PREFERENCE_CHANNELS } from "@honorarium/shared/domain";
import { organizationIdField } from "../common.schema.ts";

export const setPreferencesInput = z.object({
  organizationId: organizationIdField,
  preferences: z
    .array(
      z.object({
        channel: z.enum(PREFERENCE_CHANNELS),
        category: z.enum(PREFERENCE_CATEGORIES),
        enabled: z.boolean(),
      }),
    )
    .min(1)
    .max(PREFERENCE_CHANNELS.length * PREFERENCE_CATEGORIES.length)
    .superRefine((entries, context) => {
      const seen = new Set<string>();
      entries.forEach((entry, index) => {
        const key = `${entry.channel}/${entry.category}`;
        if (seen.has(key)) context.addIssue({ code: "custom", path: [index], message: `${key} is named twice` });
        seen.add(key);
      });
    }),
});
export type SetPreferencesInput = z.infer<typeof setPreferencesInput>;

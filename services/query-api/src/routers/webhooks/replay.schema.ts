import { z } from "zod";
import { organizationIdField } from "../common.schema.ts";

/** The widest window one replay may cover. */
export const MAX_REPLAY_WINDOW_DAYS = 31;
const DAY_MS = 24 * 60 * 60 * 1000;

export const replayWebhooksInput = z
  .object({
    organizationId: organizationIdField,
    /** Deliveries created at or after this instant... */
    since: z.iso.datetime({ offset: true }),
    /** ...and before this one. */
    until: z.iso.datetime({ offset: true }),
    /** Only deliveries in this state (default: every finished one). */
    status: z.enum(["delivered", "failed", "skipped"]).optional(),
  })
  .superRefine((input, context) => {
    const span = Date.parse(input.until) - Date.parse(input.since);
    if (span <= 0) context.addIssue({ code: "custom", path: ["until"], message: "must be after since" });
    else if (span > MAX_REPLAY_WINDOW_DAYS * DAY_MS) {
      context.addIssue({ code: "custom", path: ["until"], message: `the window may span at most ${MAX_REPLAY_WINDOW_DAYS} days` });
    }
  });
export type ReplayWebhooksInput = z.infer<typeof replayWebhooksInput>;

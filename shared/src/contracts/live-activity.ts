import { z } from "zod";
import { uuidSchema } from "./common.ts";

/**
 * Live activity, database → query API: what changed besides counts (counts have their own feed,
 * live-updates.ts). Triggers (migration 046) send NOTIFYs on PG_CHANNELS.liveActivity (per changed
 * record or configuration; per statement and person for the feed), in the writer's transaction: whoever writes (notifier, query API, counter, an operator's
 * SQL), subscribers hear it once it commits, and never hear a rolled-back change.
 *
 * Best effort and not replayable (NOTIFY keeps nothing): a subscriber that (re)connects refetches
 * what it shows. The query API's activity.onChange starts every stream with a `subscribed` event
 * for that reason. The payload is a hint to refetch, never the data itself.
 */
export const liveActivitySchema = z.discriminatedUnion("kind", [
  /** In-app notifications of one person were created or marked read (one hint per statement and person). */
  z.object({
    kind: z.literal("feed"),
    organizationId: uuidSchema,
    recipientId: uuidSchema,
  }),
  /** A crossing record's payment status moved (payments.transition, payout batches). */
  z.object({
    kind: z.literal("payment"),
    organizationId: uuidSchema,
    scopeId: uuidSchema.nullable(),
    peerMentorId: uuidSchema,
    recordId: uuidSchema,
    paymentStatus: z.string(),
  }),
  /** A threshold configuration (configId), or the organisation's settings or scope names (null), changed. */
  z.object({
    kind: z.literal("config"),
    organizationId: uuidSchema,
    configId: uuidSchema.nullable(),
  }),
]);
export type LiveActivity = z.infer<typeof liveActivitySchema>;

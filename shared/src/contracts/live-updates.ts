import { z } from "zod";
import { uuidSchema } from "./common.ts";

/**
 * Live count updates, counter → query API, over Redis (best effort; Postgres stays the truth).
 * After each commit the counter appends one entry per changed mentor to the capped stream
 * COUNTS_CHANGED_STREAM and publishes the same message, with the stream entry id, on
 * COUNTS_CHANGED_CHANNEL. Subscribers use the pub/sub message to push and invalidate caches,
 * and the stream id as the SSE event id, so a client resumes with lastEventId (XRANGE after it).
 */
export const COUNTS_CHANGED_CHANNEL = "honorarium:counts-changed:v1";
export const COUNTS_CHANGED_STREAM = "honorarium:counts-changed-stream:v1";
export const COUNTS_CHANGED_STREAM_MAXLEN = 10_000;
/**
 * The channel and stream under a deployment's prefix (LIVE_UPDATES_PREFIX, read by the counter and
 * the query API alike; empty in production). Test runs sharing one Redis each use their own.
 */
export function liveUpdatesKeys(prefix: string): { channel: string; stream: string } {
  return { channel: `${prefix}${COUNTS_CHANGED_CHANNEL}`, stream: `${prefix}${COUNTS_CHANGED_STREAM}` };
}

/** Each stream entry has this one field, holding the message as JSON (without its id: the entry id is the id). */
export const COUNTS_CHANGED_STREAM_FIELD = "message";

export const countsChangedSchema = z.object({
  /** The Redis stream entry id (e.g. "1732380000000-0"); absent only if the XADD failed. */
  id: z.string().optional(),
  organizationId: uuidSchema,
  scopeId: uuidSchema.nullable(),
  peerMentorId: uuidSchema,
  /** Local months (`YYYY-MM`) whose counts changed. */
  monthKeys: z.array(z.string()),
  /** Crossing records created in the same commit. */
  crossedRecordIds: z.array(uuidSchema),
  at: z.iso.datetime({ offset: true }),
});
export type CountsChanged = z.infer<typeof countsChangedSchema>;

import { z } from "zod";
import { organizationIdField } from "../common.schema.ts";

const base64url = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, "base64url");

export const subscribeInput = z.object({
  organizationId: organizationIdField,
  /** The PushSubscription as the browser gives it (toJSON()). */
  endpoint: z.url().max(2000),
  keys: z.object({ p256dh: base64url(40, 200), auth: base64url(8, 64) }),
});
export type SubscribeInput = z.infer<typeof subscribeInput>;

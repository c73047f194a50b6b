import webpush from "web-push";
import type { VapidKeys } from "../../config.ts";
import { pushBody } from "../../domain/notifications.ts";
import { webPushOutcome, type SendOutcome } from "../../domain/send-outcome.ts";
import type { ClaimedJob, StoredPushSubscription } from "../postgres/notification-store.ts";
import { describeSendError, TargetRejectedError, type GuardedHttp } from "./guarded-http.ts";

export interface PushSendResult {
  subscriptionId: string;
  outcome: SendOutcome;
  subscriptionGone: boolean;
  httpStatus: number | null;
  error: string | null;
}

const PUSH_TTL_SECONDS = 24 * 60 * 60;

/**
 * One encrypted, VAPID-signed Web Push message. The request is built with web-push's
 * generateRequestDetails and sent through the guarded client (web-push's own sender only
 * speaks https and has no SSRF guard; endpoints come from browsers via the query API).
 */
export async function sendWebPush(
  http: GuardedHttp,
  vapid: VapidKeys,
  subscription: StoredPushSubscription,
  job: ClaimedJob,
): Promise<PushSendResult> {
  let details: ReturnType<typeof webpush.generateRequestDetails>;
  try {
    details = webpush.generateRequestDetails(
      { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
      pushBody(job.content),
      { vapidDetails: vapid, TTL: PUSH_TTL_SECONDS, urgency: "high", contentEncoding: "aes128gcm" },
    );
  } catch (error) {
    // Keys a browser could never have produced: the subscription is unusable.
    return {
      subscriptionId: subscription.id,
      outcome: "permanent_error",
      subscriptionGone: true,
      httpStatus: null,
      error: describeSendError(error),
    };
  }
  try {
    const status = await http.post(details.endpoint, details.headers as Record<string, string>, details.body);
    const { outcome, subscriptionGone } = webPushOutcome(status);
    return {
      subscriptionId: subscription.id,
      outcome,
      subscriptionGone,
      httpStatus: status,
      error: outcome === "delivered" ? null : `HTTP ${status}`,
    };
  } catch (error) {
    return {
      subscriptionId: subscription.id,
      outcome: error instanceof TargetRejectedError ? "permanent_error" : "retryable_error",
      subscriptionGone: false,
      httpStatus: null,
      error: describeSendError(error),
    };
  }
}

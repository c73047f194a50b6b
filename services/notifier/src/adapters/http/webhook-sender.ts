import { signWebhook } from "../../domain/webhook-signature.ts";
import { webhookBody } from "../../domain/notifications.ts";
import { webhookOutcome, type SendOutcome } from "../../domain/send-outcome.ts";
import type { ClaimedJob, WebhookTarget } from "../postgres/notification-store.ts";
import { describeSendError, TargetRejectedError, type GuardedHttp } from "./guarded-http.ts";

export interface SendResult {
  outcome: SendOutcome;
  httpStatus: number | null;
  error: string | null;
}

/**
 * One signed Standard Webhooks POST. webhook-id is the job id: the same on every retry and
 * after a crash, so the receiver can drop repeats.
 */
export async function sendWebhook(http: GuardedHttp, target: WebhookTarget, job: ClaimedJob, now: Date = new Date()): Promise<SendResult> {
  const body = webhookBody(job.content, job.createdAt);
  const headers = {
    "content-type": "application/json",
    "user-agent": "honorarium-notifier/1",
    ...signWebhook(target.secrets, job.id, Math.floor(now.getTime() / 1000), body),
  };
  try {
    const status = await http.post(target.url, headers, body);
    const outcome = webhookOutcome(status);
    return { outcome, httpStatus: status, error: outcome === "delivered" ? null : `HTTP ${status}` };
  } catch (error) {
    return {
      outcome: error instanceof TargetRejectedError ? "permanent_error" : "retryable_error",
      httpStatus: null,
      error: describeSendError(error),
    };
  }
}

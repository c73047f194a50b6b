import type { AttemptOutcome } from "./retry-policy.ts";

export type SendOutcome = Exclude<AttemptOutcome, "skipped">;

/**
 * A webhook receiver's HTTP status → outcome. 2xx delivered; 408 and 429 (the receiver asks us
 * to come back) and 5xx retried; every other status is permanent: a 4xx will not change by
 * asking again, and redirects are not followed (a redirect could lead past the SSRF guard).
 */
export function webhookOutcome(status: number): SendOutcome {
  if (status >= 200 && status < 300) return "delivered";
  if (status === 408 || status === 429 || status >= 500) return "retryable_error";
  return "permanent_error";
}

export interface PushOutcome {
  outcome: SendOutcome;
  /** 404/410: the push service says the subscription is gone; delete it. */
  subscriptionGone: boolean;
}

/** A Web Push service's HTTP status → outcome (RFC 8030: 201 Created on success). */
export function webPushOutcome(status: number): PushOutcome {
  if (status === 404 || status === 410) return { outcome: "permanent_error", subscriptionGone: true };
  return { outcome: webhookOutcome(status), subscriptionGone: false };
}

/**
 * One web_push job sends to every subscription of its recipient (phone, laptop, ...).
 * Delivered when any device accepted it — retrying then would repeat it on the devices that
 * already have it; retried only when none accepted and at least one failure may pass.
 */
export function combinePushOutcomes(outcomes: readonly SendOutcome[]): AttemptOutcome {
  if (outcomes.length === 0) return "skipped";
  if (outcomes.includes("delivered")) return "delivered";
  if (outcomes.includes("retryable_error")) return "retryable_error";
  return "permanent_error";
}

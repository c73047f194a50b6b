/**
 * When an endpoint has failed long enough to be switched off (issue 15): a streak of
 * consecutive permanent failures (4xx, refused target, retries exhausted) or a failing streak
 * (no success since) older than the limit. Any delivered attempt ends the streak.
 */
export interface WebhookHealthPolicy {
  maxConsecutiveFailures: number;
  maxFailingMs: number;
}

export interface WebhookHealth {
  consecutiveFailures: number;
  failingSince: Date | null;
}

export type AutoDisableVerdict = { disable: false } | { disable: true; reason: string };

export function autoDisableVerdict(health: WebhookHealth, now: Date, policy: WebhookHealthPolicy): AutoDisableVerdict {
  if (health.consecutiveFailures >= policy.maxConsecutiveFailures) {
    return { disable: true, reason: `${health.consecutiveFailures} consecutive permanent failures` };
  }
  if (health.failingSince !== null && now.getTime() - health.failingSince.getTime() >= policy.maxFailingMs) {
    return { disable: true, reason: `failing without a success since ${health.failingSince.toISOString()}` };
  }
  return { disable: false };
}

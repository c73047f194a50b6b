/**
 * Retry policy of the dispatcher: exponential backoff with full jitter (delay drawn uniformly
 * from [0, cap)). The early caps are short so that a transient failure still reaches the
 * coordinator inside the 60-second promise of spec 001; later caps grow to spare a receiver
 * that is down for longer.
 */
export const EARLY_LADDER_CAPS_MS = [1_000, 2_000, 4_000, 8_000] as const;
const SLOW_LADDER_BASE_MS = 30_000;
export const MAX_RETRY_DELAY_MS = 15 * 60_000;

/** The largest delay after the failed attempt number `attempt` (1-based). */
export function retryDelayCapMs(attempt: number): number {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be a positive integer, got ${attempt}`);
  const early = EARLY_LADDER_CAPS_MS[attempt - 1];
  if (early !== undefined) return early;
  const slowStep = attempt - EARLY_LADDER_CAPS_MS.length - 1;
  return Math.min(MAX_RETRY_DELAY_MS, SLOW_LADDER_BASE_MS * 2 ** slowStep);
}

/** Full jitter: uniform in [0, cap). `random` returns a number in [0, 1). */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const unit = Math.min(Math.max(random(), 0), 1 - Number.EPSILON);
  return Math.floor(unit * retryDelayCapMs(attempt));
}

export type AttemptOutcome = "delivered" | "retryable_error" | "permanent_error" | "skipped";

export type NextJobState =
  { status: "delivered" } | { status: "skipped" } | { status: "failed" } | { status: "pending"; retryInMs: number };

/** What happens to a job after attempt number `attempt` ended with `outcome`. */
export function nextJobState(
  outcome: AttemptOutcome,
  attempt: number,
  maxAttempts: number,
  random: () => number = Math.random,
): NextJobState {
  switch (outcome) {
    case "delivered":
      return { status: "delivered" };
    case "skipped":
      return { status: "skipped" };
    case "permanent_error":
      return { status: "failed" };
    case "retryable_error":
      return attempt >= maxAttempts ? { status: "failed" } : { status: "pending", retryInMs: retryDelayMs(attempt, random) };
  }
}

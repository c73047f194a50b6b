/**
 * Per-endpoint admission for the dispatcher: at most `concurrency` sends in flight to one
 * endpoint, and at most `ratePerSecond` sends started per second (a token bucket holding up to
 * one second's worth). The dispatcher asks which endpoints may take how many more jobs before it
 * claims, so a hanging endpoint fills only its own slots and never a claim of someone else's.
 * Pure: the caller passes the clock.
 */
export interface EndpointGateOptions {
  concurrency: number;
  ratePerSecond: number;
}

export interface EndpointAllowance {
  /** Endpoints that may take no job now (saturated or out of tokens). */
  blocked: string[];
  /** How many more jobs endpoints with sends in flight or spent tokens may take now. */
  remaining: Record<string, number>;
  /** What an endpoint not listed in either may take. */
  defaultRemaining: number;
}

export interface EndpointGate {
  allowance(nowMs: number): EndpointAllowance;
  /**
   * A send to `key` starts: it takes a slot and a token, and says whether both were free. The
   * limits are soft by design: several claim loops read the allowance side by side, so a claim
   * may overshoot by what the others took meanwhile; the overshoot is counted (tokens go into
   * debt), so the endpoint is blocked until it is paid back.
   */
  acquire(key: string, nowMs: number): boolean;
  release(key: string): void;
  inFlight(key: string): number;
}

interface EndpointState {
  inFlight: number;
  tokens: number;
  refilledAtMs: number;
}

export function createEndpointGate(options: EndpointGateOptions): EndpointGate {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new RangeError("concurrency must be a positive integer");
  if (!(options.ratePerSecond > 0)) throw new RangeError("ratePerSecond must be positive");
  const capacity = Math.max(1, options.ratePerSecond);
  const states = new Map<string, EndpointState>();

  function refill(state: EndpointState, nowMs: number): void {
    const elapsed = Math.max(0, nowMs - state.refilledAtMs);
    state.tokens = Math.min(capacity, state.tokens + (elapsed / 1000) * options.ratePerSecond);
    state.refilledAtMs = nowMs;
  }

  function remainingOf(state: EndpointState): number {
    return Math.max(0, Math.min(options.concurrency - state.inFlight, Math.floor(state.tokens)));
  }

  const defaultRemaining = Math.min(options.concurrency, Math.floor(capacity));

  return {
    allowance(nowMs) {
      const blocked: string[] = [];
      const remaining: Record<string, number> = {};
      for (const [key, state] of states) {
        refill(state, nowMs);
        // A full, idle bucket is the default again: forget it so the map stays small.
        if (state.inFlight === 0 && state.tokens >= capacity) {
          states.delete(key);
          continue;
        }
        const left = remainingOf(state);
        if (left === 0) blocked.push(key);
        else remaining[key] = left;
      }
      return { blocked, remaining, defaultRemaining };
    },
    acquire(key, nowMs) {
      const state = states.get(key) ?? { inFlight: 0, tokens: capacity, refilledAtMs: nowMs };
      refill(state, nowMs);
      const within = state.inFlight < options.concurrency && state.tokens >= 1;
      state.inFlight += 1;
      state.tokens -= 1;
      states.set(key, state);
      return within;
    },
    release(key) {
      const state = states.get(key);
      if (state !== undefined && state.inFlight > 0) state.inFlight -= 1;
    },
    inFlight: (key) => states.get(key)?.inFlight ?? 0,
  };
}

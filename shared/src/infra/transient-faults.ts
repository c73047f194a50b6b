/**
 * Conditions a Kafka client meets while a broker starts, restarts or moves a group coordinator:
 * the client retries them by itself. They are normal for a few seconds and a fault only when they
 * last, so they are logged quietly (debug) during a grace period and at their own level after it.
 */

/** Texts of retriable broker conditions (client error messages and Kafka error names). */
const TRANSIENT_PATTERNS: readonly RegExp[] = [
  /coordinator is loading/i,
  /COORDINATOR_LOAD_IN_PROGRESS/,
  /not the correct coordinator/i,
  /NOT_COORDINATOR/,
  /coordinator is not available/i,
  /COORDINATOR_NOT_AVAILABLE/,
  /failed to find group coordinator/i,
  /There is no leader for this topic-partition/i,
  /LEADER_NOT_AVAILABLE/,
  /NOT_LEADER_OR_FOLLOWER|not the leader for that topic-partition/i,
  /does not host this topic-partition/i,
  /group is rebalancing|REBALANCE_IN_PROGRESS/i,
  /Connection error|ECONNREFUSED|ECONNRESET|EPIPE|socket hang up|Closed connection|Connection timeout/i,
  /Request .* timed out|REQUEST_TIMED_OUT/i,
  // @platformatic/kafka's words for an unreachable broker and requests that used up their retries.
  /Cannot connect to any broker|Connection closed|PLT_KFK_NETWORK|PLT_KFK_TIMEOUT|failed \d+ times/i,
];

export function isTransientBrokerCondition(text: string): boolean {
  return TRANSIENT_PATTERNS.some((pattern) => pattern.test(text));
}

export type FaultLevel = "error" | "warn" | "info" | "debug";

export interface TransientFaultGate {
  /**
   * The level to log an entry at: `level` for anything that is not a transient broker condition,
   * or that belongs to an episode older than the grace period; "debug" otherwise.
   */
  levelFor(level: FaultLevel, text: string): FaultLevel;
}

/**
 * An episode starts with the first transient condition after `graceMs` without any, and lasts
 * while they keep coming: inside its first `graceMs` they are debug, after that they are faults.
 */
export function createTransientFaultGate(options: { graceMs: number; now?: () => number }): TransientFaultGate {
  const now = options.now ?? Date.now;
  let episodeStart: number | undefined;
  let lastSeen = Number.NEGATIVE_INFINITY;
  return {
    levelFor(level, text) {
      if (level === "debug" || level === "info" || !isTransientBrokerCondition(text)) return level;
      const at = now();
      if (episodeStart === undefined || at - lastSeen > options.graceMs) episodeStart = at;
      lastSeen = at;
      return at - episodeStart <= options.graceMs ? "debug" : level;
    },
  };
}

/**
 * Errors no retry can fix: credentials, permissions, a setting the broker refuses. A service
 * meeting one exits (the operator must change its configuration); every other broker or database
 * fault is waited out with backoff. Kafka error names (`apiId` of the client's protocol errors),
 * the client's own error codes, searched through the cause chain and aggregated errors.
 */
const CONFIGURATION_PATTERNS: readonly RegExp[] = [
  /AUTHORIZATION_FAILED/,
  // Another running process has this instance's static group membership id: a deployment mistake.
  /FENCED_INSTANCE_ID/,
  /PLT_KFK_AUTHENTICATION|PLT_KFK_USER|PLT_KFK_UNSUPPORTED/,
  /SASL_AUTHENTICATION_FAILED|UNSUPPORTED_SASL_MECHANISM|ILLEGAL_SASL_STATE/,
  /INVALID_GROUP_ID|INVALID_SESSION_TIMEOUT|INVALID_CONFIG|UNSUPPORTED_VERSION|INVALID_REPLICATION_FACTOR/,
  /not authorized|authorization failed/i,
];

/**
 * An error and the errors inside it, breadth first: its `cause` chain and, for aggregated errors
 * (the Kafka client nests a broker's answers in them), their `errors`. At most 50, each once.
 */
export function errorTree(error: unknown): Error[] {
  const found: Error[] = [];
  const pending: unknown[] = [error];
  while (pending.length > 0 && found.length < 50) {
    const current = pending.shift();
    if (!(current instanceof Error) || found.includes(current)) continue;
    found.push(current);
    pending.push(current.cause);
    const { errors } = current as { errors?: unknown };
    if (Array.isArray(errors)) pending.push(...(errors as unknown[]));
  }
  return found;
}

export function isConfigurationError(error: unknown): boolean {
  return errorTree(error).some((current) => {
    const { type, apiId, code } = current as { type?: unknown; apiId?: unknown; code?: unknown };
    const text = [current.name, type, apiId, code, current.message].filter((part) => typeof part === "string").join(" ");
    return CONFIGURATION_PATTERNS.some((pattern) => pattern.test(text));
  });
}

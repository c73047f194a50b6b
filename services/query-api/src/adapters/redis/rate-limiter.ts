import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { defineQueryApiCommands } from "./scripts.ts";
import { withTimeout } from "./with-timeout.ts";

export interface RateLimiter {
  /** True when the user may make one more request this minute. */
  allow(userId: string): Promise<{ allowed: boolean; retryAfterSeconds: number }>;
}

/** A fixed one-minute window per user in Redis. Without Redis, requests are let through (fail open) and logged. */
export function createRedisRateLimiter(options: {
  redis: Redis;
  prefix: string;
  perMinute: number;
  logger: Logger;
  now?: () => number;
}): RateLimiter {
  const now = options.now ?? Date.now;
  const redis = defineQueryApiCommands(options.redis);
  let lastWarning = 0;
  return {
    async allow(userId) {
      const ms = now();
      const minute = Math.floor(ms / 60_000);
      const retryAfterSeconds = Math.max(1, Math.ceil(((minute + 1) * 60_000 - ms) / 1000));
      const key = `${options.prefix}:rl:${userId}:${minute}`;
      try {
        // One round trip, one command: the window's count, its TTL set when the window opens.
        const count = await withTimeout(redis.rateLimitHit(key, 61), 250);
        return { allowed: count <= options.perMinute, retryAfterSeconds };
      } catch (error) {
        if (Date.now() - lastWarning > 10_000) {
          lastWarning = Date.now();
          options.logger.warn(
            { err: error instanceof Error ? error.message : String(error) },
            "rate limiter unavailable; allowing requests",
          );
        }
        return { allowed: true, retryAfterSeconds };
      }
    },
  };
}

import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { defineQueryApiCommands } from "./scripts.ts";
import { withTimeout } from "./with-timeout.ts";

/**
 * Read-through cache with version keys. A cached answer is stored under the current versions of
 * what it depends on; bumping a version (on the counter's pub/sub message, or a write here) makes
 * every answer stored under the old one unreachable, and the TTL clears them. Any Redis failure
 * falls through to the loader: answers are always correct, only slower.
 */
export interface ReadCache {
  getOrLoad<T>(dependsOn: readonly string[], key: unknown, load: () => Promise<T>): Promise<{ value: T; hit: boolean }>;
  bump(versionKeys: readonly string[]): Promise<void>;
}

/** Version keys: what a cached answer depends on. */
export const cacheVersions = {
  /** Any count in the organization (the dashboard). */
  organizationCounts: (organizationId: string) => `counts:${organizationId}`,
  /** One mentor's counts and records (counts.forMentor). */
  mentor: (organizationId: string, peerMentorId: string) => `mentor:${organizationId}:${peerMentorId}`,
  /** Configurations and settings: every answer of the organization. */
  organizationConfig: (organizationId: string) => `config:${organizationId}`,
};

/**
 * Part of the key of every answer that depends on "the current period": the quarter-hour of `now`.
 * Every period starts at local midnight, and every time zone's midnight falls on a UTC quarter-hour,
 * so an answer is never served across a period boundary (New Year, 1 July, the 1st of a month) —
 * without reading the organization's zone before the cache. It costs one miss per quarter-hour.
 */
export function periodBoundaryStamp(now: Date): number {
  return Math.floor(now.getTime() / 900_000);
}

const VERSION_TTL_SECONDS = 86_400;

const REDIS_TIMEOUT_MS = 250;

export interface ReadCacheOptions {
  redis: Redis;
  prefix: string;
  ttlSeconds: number;
  logger: Logger;
  onResult?: (outcome: "hit" | "miss" | "bypass") => void;
}

export function createRedisReadCache(options: ReadCacheOptions): ReadCache {
  const { prefix, ttlSeconds, logger } = options;
  const redis = defineQueryApiCommands(options.redis);
  const versionKey = (name: string) => `${prefix}:v:${name}`;
  let lastWarning = 0;
  const warn = (error: unknown) => {
    // One line per 10 s at most: a Redis outage must not flood the log.
    if (Date.now() - lastWarning < 10_000) return;
    lastWarning = Date.now();
    logger.warn({ err: error instanceof Error ? error.message : String(error) }, "cache unavailable; reading from Postgres");
  };

  return {
    async getOrLoad(dependsOn, key, load) {
      let cacheKey: string | undefined;
      try {
        // One round trip: read the versions, build the key from them and read it, in Redis.
        const digest = createHash("sha1").update(JSON.stringify(key)).digest("base64url");
        const answer = await withTimeout(
          redis.readCacheLookup(dependsOn.length, ...dependsOn.map(versionKey), `${prefix}:c:`, digest),
          REDIS_TIMEOUT_MS,
        );
        cacheKey = answer[0];
        const cached = answer[1];
        if (cached !== null) {
          options.onResult?.("hit");
          return { value: JSON.parse(cached) as Awaited<ReturnType<typeof load>>, hit: true };
        }
      } catch (error) {
        warn(error);
        cacheKey = undefined;
      }
      const value = await load();
      if (cacheKey === undefined) {
        options.onResult?.("bypass");
        return { value, hit: false };
      }
      options.onResult?.("miss");
      try {
        await withTimeout(redis.set(cacheKey, JSON.stringify(value), "EX", ttlSeconds), REDIS_TIMEOUT_MS);
      } catch (error) {
        warn(error);
      }
      return { value, hit: false };
    },
    async bump(versionKeys) {
      if (versionKeys.length === 0) return;
      try {
        const pipeline = redis.multi();
        for (const name of versionKeys) pipeline.incr(versionKey(name)).expire(versionKey(name), VERSION_TTL_SECONDS);
        await withTimeout(pipeline.exec(), REDIS_TIMEOUT_MS);
      } catch (error) {
        // The TTL backstop bounds how long a stale answer can live.
        warn(error);
      }
    },
  };
}

/** No caching at all: every read loads (QUERY_API_CACHE_ENABLED=false). */
export function createPassThroughCache(): ReadCache {
  return {
    async getOrLoad(_dependsOn, _key, load) {
      return { value: await load(), hit: false };
    },
    async bump() {},
  };
}

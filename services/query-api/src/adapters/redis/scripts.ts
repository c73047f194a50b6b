import type { Redis, Result } from "ioredis";

/**
 * The Lua commands of the query API, registered with ioredis' defineCommand: each call is one
 * EVALSHA (ioredis loads the script on NOSCRIPT), so the script text is neither sent nor hashed
 * by Redis on every request.
 */
declare module "ioredis" {
  interface RedisCommander<Context> {
    /** KEYS: version keys; ARGV: key prefix, digest of the question. Returns [cache key, cached value or nil]. */
    readCacheLookup(numKeys: number, ...keysAndArgs: string[]): Result<[string, string | null], Context>;
    /** KEYS: the window's counter; ARGV: its TTL in seconds. Returns the count in the window. */
    rateLimitHit(key: string, ttlSeconds: number): Result<number, Context>;
  }
}

const READ_CACHE_LOOKUP = `
local versions = redis.call('MGET', unpack(KEYS))
local parts = {}
for i, v in ipairs(versions) do parts[i] = v or '0' end
local key = ARGV[1] .. table.concat(parts, '.') .. ':' .. ARGV[2]
return { key, redis.call('GET', key) }
`;

const RATE_LIMIT_HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
`;

const defined = new WeakSet<Redis>();

export function defineQueryApiCommands(redis: Redis): Redis {
  if (!defined.has(redis)) {
    redis.defineCommand("readCacheLookup", { lua: READ_CACHE_LOOKUP });
    redis.defineCommand("rateLimitHit", { lua: RATE_LIMIT_HIT, numberOfKeys: 1 });
    defined.add(redis);
  }
  return redis;
}

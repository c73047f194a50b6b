import type { Redis } from "ioredis";

export interface LeaderLock {
  /**
   * True when this instance holds the lock now (taken with SET NX PX, or renewed because it
   * already held it); false when another instance does. Throws when Redis does not answer.
   */
  acquire(): Promise<boolean>;
  /** Gives the lock up if this instance holds it. */
  release(): Promise<void>;
}

// Renew or delete only if the value is still ours: another instance may hold it by now.
const RENEW_IF_OWNER = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;
const DELETE_IF_OWNER = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

export function createLeaderLock(redis: Redis, key: string, owner: string, ttlMs: number): LeaderLock {
  return {
    async acquire() {
      const taken = await redis.set(key, owner, "PX", ttlMs, "NX");
      if (taken === "OK") return true;
      const renewed = await redis.eval(RENEW_IF_OWNER, 1, key, owner, String(ttlMs));
      return renewed === 1;
    },
    async release() {
      await redis.eval(DELETE_IF_OWNER, 1, key, owner);
    },
  };
}

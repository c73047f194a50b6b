import { Redis } from "ioredis";
import type { Logger } from "pino";

/**
 * An ioredis client. Redis is never the source of truth here, so commands fail fast
 * (no offline queue growing without bound) and callers decide what a failure means.
 */
export function createRedis(url: string, logger: Logger, name = "redis"): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  let lastError = "";
  client.on("error", (error: Error) => {
    // ioredis repeats the same error on every reconnect attempt; log each kind once.
    if (error.message !== lastError) logger.warn({ component: name, err: error.message }, "redis error");
    lastError = error.message;
  });
  client.on("ready", () => {
    lastError = "";
  });
  return client;
}

/** Connects, but never throws: the caller works without Redis until it answers. */
export async function connectRedisBestEffort(client: Redis): Promise<boolean> {
  try {
    if (client.status === "wait") await client.connect();
    return client.status === "ready";
  } catch {
    return false;
  }
}

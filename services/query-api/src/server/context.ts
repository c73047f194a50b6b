import type { AllowedHostPort } from "@honorarium/shared/domain";
import type { Logger } from "pino";
import type { LiveActivityFeed } from "../adapters/postgres/live-activity-feed.ts";
import type { CountsChangedFeed } from "../adapters/redis/counts-changed-feed.ts";
import type { RateLimiter } from "../adapters/redis/rate-limiter.ts";
import type { ReadCache } from "../adapters/redis/read-cache.ts";
import type { Repositories } from "../ports.ts";
import { AuthenticationError, type Caller, type TokenVerifier, bearerToken } from "./auth.ts";
import type { ApiMetrics } from "./metrics.ts";

/** Settings the handlers read (from config.ts). */
export interface ApiSettings {
  taxNearRatio: number;
  /** host:port targets allowed over http and on private addresses. */
  webhookAllowHosts: readonly AllowedHostPort[];
  /** A rotated-out webhook secret keeps signing this long beside the new one. */
  webhookSecretOverlapMs: number;
  /** undefined: Web Push is not configured (push.vapidPublicKey answers null). */
  vapidPublicKey: string | undefined;
}

/** Everything a handler may use; built once per server. */
export interface ApiDependencies {
  repositories: Repositories;
  cache: ReadCache;
  rateLimiter: RateLimiter;
  /** Calls without a valid token, keyed by client address. */
  anonymousRateLimiter: RateLimiter;
  feed: CountsChangedFeed;
  /** The feed, payment statuses and configuration, from the database's NOTIFYs. */
  activity: LiveActivityFeed;
  metrics: ApiMetrics;
  settings: ApiSettings;
  logger: Logger;
  now: () => Date;
}

/** What a request says about its caller, whichever adapter received it. */
export interface RequestCredentials {
  authorization: string | null | undefined;
  connectionParams: Record<string, unknown> | null;
  /** The peer's address (the socket's; no proxy header is trusted). */
  clientAddress: string | undefined;
}

export function createContextFactory(deps: ApiDependencies, verifyToken: TokenVerifier) {
  return async ({ authorization, connectionParams, clientAddress }: RequestCredentials) => {
    // EventSource cannot send headers: subscriptions may carry the token in connectionParams instead.
    const fromParams = connectionParams?.token;
    const token = bearerToken(authorization ?? undefined) ?? (typeof fromParams === "string" ? fromParams : undefined);
    let caller: Caller | null = null;
    let authError: string | null = token === undefined ? "a Bearer token is required" : null;
    if (token !== undefined) {
      try {
        caller = await verifyToken(token);
      } catch (error) {
        authError = error instanceof AuthenticationError ? error.message : "the token is not valid";
      }
    }
    return { deps, caller, authError, clientAddress: clientAddress ?? "unknown" };
  };
}

export type Context = Awaited<ReturnType<ReturnType<typeof createContextFactory>>>;

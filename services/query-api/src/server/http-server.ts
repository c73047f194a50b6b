import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { databaseIsReachable } from "@honorarium/shared/db";
import { createOpsServer } from "@honorarium/shared/infra";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import type { Redis } from "ioredis";
import type { Knex } from "knex";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { createPostgresRepositories } from "../adapters/postgres/index.ts";
import { liveUpdatesKeys } from "@honorarium/shared/contracts";
import { createPgLiveActivityFeed } from "../adapters/postgres/live-activity-feed.ts";
import { createRedisCountsChangedFeed } from "../adapters/redis/counts-changed-feed.ts";
import { createRedisRateLimiter } from "../adapters/redis/rate-limiter.ts";
import { cacheVersions, createPassThroughCache, createRedisReadCache } from "../adapters/redis/read-cache.ts";
import { withTimeout } from "../adapters/redis/with-timeout.ts";
import { renderOpenApiDocument } from "../openapi.ts";
import type { QueryApiConfig } from "../config.ts";
import { appRouter } from "../routers/app.router.ts";
import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError, parseConnectionParamsFromString } from "@trpc/server/http";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import { RateLimitedError } from "./trpc.ts";
import { createTokenVerifier } from "./auth.ts";
import { type ApiDependencies, createContextFactory } from "./context.ts";
import { createApiMetrics } from "./metrics.ts";

export interface QueryApiServerOptions {
  config: QueryApiConfig;
  db: Knex;
  /** Commands: cache, rate limits, stream replay. */
  redis: Redis;
  /** A separate connection in subscriber mode for the counter's pub/sub. */
  subscriberRedis: Redis;
  logger: Logger;
  registry: Registry;
  now?: () => Date;
}

export interface QueryApiServer {
  start(): Promise<{ port: number; url: string; opsPort: number }>;
  stop(): Promise<void>;
}

/**
 * The public port (QUERY_API_PORT) serves tRPC at /trpc (batching, SSE subscriptions) and /healthz,
 * /readyz and /openapi.json beside it; those paths and CORS are handled before the request reaches
 * tRPC. /metrics (procedure names, error rates, cache outcomes: reconnaissance for an outsider) is
 * only on the ops port (QUERY_API_OPS_PORT), like the counter's and the notifier's.
 */
/** Downloads of export procedures (see serveFile). */
const FILES_PATH = "/files/";
const FILE_PROCEDURES = new Set(["bufdir.exportCsv", "statements.exportCsv", "payouts.export"]);

/** A 429 says when to come back (RFC 9110 Retry-After, in seconds): the longest wait of a batch's refusals. */
function retryAfterMeta(errors: readonly TRPCError[]): { headers?: Record<string, string> } {
  const waits = errors.flatMap((error) => (error.cause instanceof RateLimitedError ? [error.cause.retryAfterSeconds] : []));
  return waits.length === 0 ? {} : { headers: { "retry-after": String(Math.max(...waits)) } };
}

type ApiCaller = ReturnType<typeof appRouter.createCaller>;

/** Subscription procedures, checked before their event stream opens (see refuseSubscription). */
type OpenStream = (caller: ApiCaller, input: unknown) => Promise<AsyncIterable<unknown>>;
const SUBSCRIPTIONS = new Map<string, OpenStream>([
  ["counts.onChange", async (caller, input) => (await caller.counts.onChange(input as never)) as AsyncIterable<unknown>],
  ["activity.onChange", async (caller, input) => (await caller.activity.onChange(input as never)) as AsyncIterable<unknown>],
]);

/** How long stop() waits for requests in progress before cutting their connections. */
const STOP_GRACE_MS = 10_000;

export function createQueryApiServer(options: QueryApiServerOptions): QueryApiServer {
  const { config, db, redis, logger, registry } = options;
  const metrics = createApiMetrics(registry);
  // One clock for the handlers and the rate limit's windows (tests inject a fixed one).
  const now = options.now ?? (() => new Date());
  const cache = !config.QUERY_API_CACHE_ENABLED
    ? createPassThroughCache()
    : createRedisReadCache({
        redis,
        prefix: config.QUERY_API_REDIS_PREFIX,
        ttlSeconds: config.QUERY_API_CACHE_TTL_SECONDS,
        logger,
        onResult: (outcome) => metrics.cacheResults.inc({ outcome }),
      });
  const feed = createRedisCountsChangedFeed({
    keys: liveUpdatesKeys(config.LIVE_UPDATES_PREFIX),
    subscriber: options.subscriberRedis,
    reader: redis,
    logger,
    // The counter's message invalidates the dashboard of the organization and the mentor's counts.
    onChange: (change) =>
      cache.bump([
        cacheVersions.organizationCounts(change.organizationId),
        cacheVersions.mentor(change.organizationId, change.peerMentorId),
      ]),
  });
  const activity = createPgLiveActivityFeed({ databaseUrl: config.DATABASE_URL, logger, applicationName: "query-api-live-activity" });
  const deps: ApiDependencies = {
    repositories: createPostgresRepositories(db),
    cache,
    rateLimiter: createRedisRateLimiter({
      redis,
      prefix: config.QUERY_API_REDIS_PREFIX,
      perMinute: config.QUERY_API_RATE_LIMIT_PER_MINUTE,
      logger,
      now: () => now().getTime(),
    }),
    anonymousRateLimiter: createRedisRateLimiter({
      redis,
      prefix: config.QUERY_API_REDIS_PREFIX,
      perMinute: config.QUERY_API_ANONYMOUS_RATE_LIMIT_PER_MINUTE,
      logger,
      now: () => now().getTime(),
    }),
    feed,
    activity,
    metrics,
    settings: {
      taxNearRatio: config.QUERY_API_TAX_NEAR_RATIO,
      webhookAllowHosts: config.QUERY_API_WEBHOOK_ALLOW_HOSTS,
      webhookSecretOverlapMs: config.QUERY_API_WEBHOOK_SECRET_OVERLAP_HOURS * 3_600_000,
      vapidPublicKey: config.NOTIFIER_VAPID_PUBLIC_KEY,
    },
    logger,
    now,
  };
  const verifyToken = createTokenVerifier({
    secret: config.AUTH_JWT_SECRET,
    jwksUrl: config.AUTH_JWKS_URL,
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    maxLifetimeSeconds: config.AUTH_MAX_TOKEN_LIFETIME_SECONDS,
    clockSkewSeconds: config.AUTH_CLOCK_SKEW_SECONDS,
    jwksCooldownSeconds: config.AUTH_JWKS_COOLDOWN_SECONDS,
  });
  const createContext = createContextFactory(deps, verifyToken);
  const trpcHandler = createHTTPHandler({
    router: appRouter,
    basePath: "/trpc/",
    createContext: ({ req, info }) =>
      createContext({
        authorization: req.headers.authorization,
        connectionParams: info.connectionParams,
        clientAddress: req.socket.remoteAddress,
      }),
    allowMethodOverride: false,
    // Content-Length is checked before tRPC sees the request; this aborts a chunked body mid-stream.
    maxBodySize: config.QUERY_API_MAX_BODY_BYTES,
    responseMeta: ({ errors }) => retryAfterMeta(errors),
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") logger.error({ err: error.cause ?? error, procedure: path }, "request failed");
    },
  });

  const allowAnyOrigin = config.QUERY_API_CORS_ORIGINS.includes("*");
  function applyCors(req: IncomingMessage, res: ServerResponse): void {
    const origin = req.headers.origin;
    if (origin === undefined || !(allowAnyOrigin || config.QUERY_API_CORS_ORIGINS.includes(origin))) return;
    res.setHeader("access-control-allow-origin", allowAnyOrigin ? "*" : origin);
    res.setHeader("vary", "origin");
    res.setHeader("access-control-allow-methods", "GET, POST, OPTIONS");
    res.setHeader("access-control-allow-headers", "authorization, content-type, trpc-accept, last-event-id, x-trpc-source");
    res.setHeader("access-control-max-age", "600");
  }

  // Browser-facing defaults on every response: the API answers JSON and event streams only, so it
  // is never to be sniffed as something else, framed, embedded by another origin or sent a referrer.
  function applySecurityHeaders(res: ServerResponse): void {
    res.setHeader("x-content-type-options", "nosniff");
    res.setHeader("referrer-policy", "no-referrer");
    res.setHeader("x-frame-options", "DENY");
    res.setHeader("content-security-policy", "default-src 'none'; frame-ancestors 'none'");
    res.setHeader("cross-origin-resource-policy", "same-origin");
    if (config.QUERY_API_HSTS) res.setHeader("strict-transport-security", "max-age=31536000; includeSubDomains");
  }

  async function readiness(): Promise<{ ready: boolean; checks: Record<string, boolean> }> {
    const [postgres, redisUp] = await Promise.all([
      withTimeout(databaseIsReachable(db), 2000).catch(() => false),
      withTimeout(redis.ping(), 500).then(
        () => true,
        () => false,
      ),
    ]);
    // Redis is a cache and a live-update path: without it answers are slower, not wrong.
    return { ready: postgres, checks: { postgres, redis: redisUp } };
  }

  function reply(res: ServerResponse, status: number, body: string, type = "application/json"): void {
    res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
    res.end(body);
  }

  /**
   * /files/<procedure>?input=<json>: an export procedure's file (its `csv` with `filename` and
   * `contentType`) as a download (Content-Disposition: attachment) instead of a string inside JSON.
   * The call goes through tRPC in process, so authentication, rate limits, input validation and the
   * error shape are the procedure's own; an error answers as tRPC would (status and JSON body).
   */
  async function serveFile(req: IncomingMessage, res: ServerResponse, procedure: string): Promise<void> {
    if (!FILE_PROCEDURES.has(procedure)) return reply(res, 404, JSON.stringify({ error: "not found" }));
    if (req.method !== "GET") return reply(res, 405, JSON.stringify({ error: "use GET" }));
    const query = new URL(req.url ?? "/", "http://files").search;
    const headers = new Headers();
    if (typeof req.headers.authorization === "string") headers.set("authorization", req.headers.authorization);
    const answer = await fetchRequestHandler({
      router: appRouter,
      endpoint: "/trpc",
      req: new Request(`http://files/trpc/${procedure}${query}`, { headers }),
      createContext: ({ req: inner, info }) =>
        createContext({
          authorization: inner.headers.get("authorization"),
          connectionParams: info.connectionParams,
          clientAddress: req.socket.remoteAddress,
        }),
      responseMeta: ({ errors }) => retryAfterMeta(errors),
    });
    const body = await answer.text();
    const retryAfter = answer.headers.get("retry-after");
    if (retryAfter !== null) res.setHeader("retry-after", retryAfter);
    if (!answer.ok) return reply(res, answer.status, body);
    const file = (JSON.parse(body) as { result: { data: { filename: string; contentType: string; csv: string } } }).result.data;
    res.writeHead(200, {
      "content-type": file.contentType,
      "content-disposition": `attachment; filename="${file.filename.replace(/[^\w.-]/g, "_")}"`,
      "content-length": Buffer.byteLength(file.csv),
      "cache-control": "no-store",
    });
    res.end(file.csv);
  }

  /**
   * tRPC answers an SSE subscription with 200 and only then runs the procedure, so a refusal
   * (401, 403, 400) arrived as `event: serialized-error` inside an open stream. A subscription is
   * therefore first called in process (authentication, rate limit, input, authorization): a
   * refusal is answered with its HTTP status and tRPC's error shape as JSON, before any stream
   * opens. The resolver's generator is discarded unstarted (its body, the listening, runs only
   * when iterated). Returns true when it answered.
   */
  async function refuseSubscription(req: IncomingMessage, res: ServerResponse, procedure: string): Promise<boolean> {
    const search = new URL(req.url ?? "/", "http://sse").searchParams;
    let input: unknown;
    let connectionParams: Record<string, unknown> | null;
    try {
      const raw = search.get("input");
      input = raw === null ? undefined : JSON.parse(raw);
      const params = search.get("connectionParams");
      connectionParams = params === null ? null : parseConnectionParamsFromString(params);
    } catch {
      return false; // tRPC answers malformed requests itself
    }
    const ctx = await createContext({
      authorization: req.headers.authorization,
      connectionParams,
      clientAddress: req.socket.remoteAddress,
    });
    try {
      const open = SUBSCRIPTIONS.get(procedure);
      if (open !== undefined) {
        const stream = await open(appRouter.createCaller(ctx), input);
        // An unstarted generator: return() ends it without running its body.
        await stream[Symbol.asyncIterator]().return?.(undefined);
      }
      return false;
    } catch (error) {
      if (!(error instanceof TRPCError)) return false;
      const httpStatus = getHTTPStatusCodeFromError(error);
      const message = error.code === "INTERNAL_SERVER_ERROR" ? "internal error" : error.message;
      reply(
        res,
        httpStatus,
        JSON.stringify({
          error: { message, code: TRPC_ERROR_CODES_BY_KEY[error.code], data: { code: error.code, httpStatus, path: procedure } },
        }),
      );
      return true;
    }
  }

  let openApi: string | undefined;
  // Rendered on first request: the document is static for a running server.
  const openApiText = () => (openApi ??= renderOpenApiDocument());

  const ops = createOpsServer({
    port: config.QUERY_API_OPS_PORT,
    host: config.QUERY_API_OPS_HOST,
    registry,
    logger,
    readiness: { postgres: () => databaseIsReachable(db) },
  });

  let server: Server | undefined;
  // Responses not yet finished: stop() lets requests finish, but cuts event streams (they never do).
  const inFlight = new Set<ServerResponse>();
  let closing: Server | undefined;
  return {
    async start() {
      await feed.start();
      await activity.start();
      server = createServer((req, res) => {
        inFlight.add(res);
        res.once("close", () => {
          inFlight.delete(res);
          // While stopping, a keep-alive connection whose answer went out is closed at once.
          closing?.closeIdleConnections();
        });
        applySecurityHeaders(res);
        applyCors(req, res);
        const declared = Number(req.headers["content-length"] ?? 0);
        if (declared > config.QUERY_API_MAX_BODY_BYTES) {
          // Refused unread; once the answer is out the socket is closed, so Node does not read (dump)
          // the rest of the body either.
          res.setHeader("connection", "close");
          res.once("finish", () => req.socket.destroy());
          reply(
            res,
            413,
            JSON.stringify({
              error: { message: `the body is larger than ${config.QUERY_API_MAX_BODY_BYTES} bytes`, code: "PAYLOAD_TOO_LARGE" },
            }),
          );
          return;
        }
        if (req.method === "OPTIONS") {
          res.writeHead(204);
          res.end();
          return;
        }
        const path = (req.url ?? "/").split("?")[0] ?? "/";
        if (path.startsWith("/trpc/")) {
          const procedure = path.slice("/trpc/".length);
          if (req.method === "GET" && SUBSCRIPTIONS.has(procedure)) {
            refuseSubscription(req, res, procedure)
              .then((answered) => {
                if (!answered) trpcHandler(req, res);
              })
              .catch((error: unknown) => {
                logger.error({ err: error }, "subscription check failed");
                if (!res.headersSent)
                  reply(res, 500, JSON.stringify({ error: { message: "internal error", code: "INTERNAL_SERVER_ERROR" } }));
              });
            return;
          }
          trpcHandler(req, res);
          return;
        }
        if (path.startsWith(FILES_PATH)) {
          serveFile(req, res, path.slice(FILES_PATH.length)).catch((error: unknown) => {
            logger.error({ err: error }, "file download failed");
            if (!res.headersSent) reply(res, 500, JSON.stringify({ error: { message: "internal error", code: "INTERNAL_SERVER_ERROR" } }));
          });
          return;
        }
        if (path === "/healthz") return reply(res, 200, JSON.stringify({ status: "ok" }));
        if (path === "/openapi.json") return reply(res, 200, openApiText());
        if (path === "/readyz") {
          readiness()
            .then(({ ready, checks }) => reply(res, ready ? 200 : 503, JSON.stringify({ status: ready ? "ready" : "not ready", checks })))
            .catch(() => reply(res, 503, JSON.stringify({ status: "not ready" })));
          return;
        }
        reply(res, 404, JSON.stringify({ error: "not found" }));
      });
      server.keepAliveTimeout = 65_000;
      const listening = server;
      await new Promise<void>((resolve, reject) => {
        listening.once("error", (error: NodeJS.ErrnoException) =>
          reject(error.code === "EADDRINUSE" ? new Error(`port ${config.QUERY_API_PORT} is already taken by another program`) : error),
        );
        listening.listen(config.QUERY_API_PORT, config.QUERY_API_HOST, () => resolve());
      });
      const { port } = listening.address() as AddressInfo;
      const { port: opsPort } = await ops.start();
      logger.info({ port, opsPort }, "query API listening");
      return { port, url: `http://127.0.0.1:${port}/trpc`, opsPort };
    },
    async stop() {
      const running = server;
      server = undefined;
      await feed.stop();
      await activity.stop();
      await ops.stop();
      if (running === undefined) return;
      // Stop accepting, let requests in progress answer (their database work is not cut off by the
      // pool closing after us), close idle keep-alive connections; SSE streams end now (clients
      // reconnect elsewhere and resume with lastEventId); whatever is left after the grace period is cut.
      closing = running;
      const closed = new Promise<void>((resolve) => running.close(() => resolve()));
      running.closeIdleConnections();
      for (const res of inFlight) {
        if (String(res.getHeader("content-type") ?? "").startsWith("text/event-stream")) res.destroy();
      }
      const grace = setTimeout(() => running.closeAllConnections(), STOP_GRACE_MS);
      await closed;
      clearTimeout(grace);
      closing = undefined;
    },
  };
}

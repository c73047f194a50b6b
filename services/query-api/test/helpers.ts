import { createServer } from "node:net";
import { createLogger } from "@honorarium/shared";
import { type TestDatabase, type TestServices, createTestDatabase, uniqueName } from "@honorarium/shared/testing";
import { createMetricsRegistry, createRedis } from "@honorarium/shared/infra";
import { TRPCClientError } from "@trpc/client";
import { SignJWT } from "jose";
import type { Redis } from "ioredis";
import type { Knex } from "knex";
import { createPortalClient, type PortalClient } from "../src/client/create-portal-client.ts";
import { type QueryApiConfig, loadQueryApiConfig } from "../src/config.ts";
import type { AppRouter } from "../src/routers/app.router.ts";
import type { Role } from "../src/server/auth.ts";
import { createQueryApiServer, type QueryApiServer } from "../src/server/http-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    testServices: TestServices;
  }
}

export const JWT_SECRET = "test-secret-for-the-query-api-0123456789abcdef";
export const ISSUER = "honorarium-tracker-auth";
export const AUDIENCE = "honorarium-tracker-api";

export interface Claims {
  sub: string;
  org?: string | undefined;
  roles: Role[] | string[];
  scopes?: string[];
}

export async function signToken(
  claims: Claims,
  options: {
    expiresIn?: string | number;
    issuer?: string;
    audience?: string;
    secret?: string;
    notBefore?: string | number;
    /** Seconds since the epoch; default now. */
    issuedAt?: number;
  } = {},
): Promise<string> {
  const jwt = new SignJWT({ ...(claims.org === undefined ? {} : { org: claims.org }), roles: claims.roles, scopes: claims.scopes ?? [] })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(claims.sub)
    .setIssuedAt(options.issuedAt)
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setExpirationTime(options.expiresIn ?? "1h");
  if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
  return jwt.sign(new TextEncoder().encode(options.secret ?? JWT_SECRET));
}

/** A port nothing listens on (for "Redis unreachable"). */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", () => resolve()));
  const address = probe.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export interface RunningApi {
  url: string;
  port: number;
  /** The ops port: /metrics, /healthz, /readyz. */
  opsPort: number;
  config: QueryApiConfig;
  redis: Redis;
  server: QueryApiServer;
  client(claims: Claims | string | null): PortalClient;
  stop(): Promise<void>;
}

export async function startApi(options: {
  db: TestDatabase;
  redisUrl: string;
  env?: Record<string, string>;
  now?: () => Date;
}): Promise<RunningApi> {
  const config = loadQueryApiConfig({
    DATABASE_URL: options.db.url,
    REDIS_URL: options.redisUrl,
    AUTH_JWT_SECRET: JWT_SECRET,
    QUERY_API_PORT: "0",
    QUERY_API_OPS_PORT: "0",
    QUERY_API_HOST: "127.0.0.1",
    QUERY_API_REDIS_PREFIX: uniqueName("qa-test"),
    // Its own live-update channel and stream: concurrent runs share one Redis.
    LIVE_UPDATES_PREFIX: `${uniqueName("qa-live")}:`,
    QUERY_API_RATE_LIMIT_PER_MINUTE: "100000",
    QUERY_API_WEBHOOK_ALLOW_HOSTS: "127.0.0.1:*",
    // The matrix and fuzz suites make hundreds of token-less calls from 127.0.0.1 within a minute.
    QUERY_API_ANONYMOUS_RATE_LIMIT_PER_MINUTE: "1000000",
    LOG_LEVEL: "silent",
    ...options.env,
  });
  const logger = createLogger("query-api-test", "silent");
  const redis = createRedis(config.REDIS_URL, logger);
  const subscriberRedis = createRedis(config.REDIS_URL, logger, "subscriber");
  await redis.connect().catch(() => undefined);
  const server = createQueryApiServer({
    config,
    db: options.db.db,
    redis,
    subscriberRedis,
    logger,
    registry: createMetricsRegistry("query-api-test"),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const { port, url, opsPort } = await server.start();
  return {
    url,
    port,
    opsPort,
    config,
    redis,
    server,
    client(claims) {
      if (claims === null) return createPortalClient({ url, token: "" });
      return createPortalClient({ url, token: typeof claims === "string" ? claims : () => signToken(claims) });
    },
    async stop() {
      await server.stop();
      redis.disconnect();
    },
  };
}

/** The tRPC error code of a rejected call, or "OK". */
export async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "OK";
  } catch (error) {
    if (error instanceof TRPCClientError) return String((error.data as { code?: string } | undefined)?.code ?? "UNKNOWN");
    throw error;
  }
}

export async function errorOf(call: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCClientError) return error as TRPCClientError<AppRouter>;
    throw error;
  }
  throw new Error("expected the call to fail");
}

// --- seeding: the tables the counter writes, filled directly ---

export async function seedConfig(
  db: Knex,
  organizationId: string,
  fields: Partial<{
    name: string;
    threshold_count: number;
    honorarium_amount: string;
    period_type: string;
    tier_order: number;
    threshold_level: string;
    is_cumulative: boolean;
    effective_from: string;
    is_active: boolean;
  }> = {},
): Promise<string> {
  const [row] = await db("threshold_configs")
    .insert({
      organization_id: organizationId,
      name: fields.name ?? "Office honorarium",
      threshold_count: fields.threshold_count ?? 3,
      honorarium_amount: fields.honorarium_amount ?? "500.00",
      period_type: fields.period_type ?? "calendar_year",
      tier_order: fields.tier_order ?? 1,
      threshold_level: fields.threshold_level ?? "office_honorarium",
      is_cumulative: fields.is_cumulative ?? false,
      is_active: fields.is_active ?? true,
      effective_from: fields.effective_from ?? "2020-01-01T00:00:00Z",
      created_by: "00000000-0000-4000-8000-00000000ad00",
    })
    .returning("id");
  return (row as { id: string }).id;
}

export async function seedMonthCount(
  db: Knex,
  row: { organizationId: string; scopeId: string | null; peerMentorId: string; monthKey: string; count: number },
): Promise<void> {
  await db("mentor_month_counts").insert({
    organization_id: row.organizationId,
    scope_id: row.scopeId,
    peer_mentor_id: row.peerMentorId,
    month_key: row.monthKey,
    confirmed_count: row.count,
  });
}

export async function seedRecord(
  db: Knex,
  row: {
    organizationId: string;
    scopeId: string | null;
    peerMentorId: string;
    configId?: string | null;
    tierName?: string;
    tierOrder?: number;
    thresholdLevel?: string;
    thresholdCount?: number;
    rate?: string;
    periodKey?: string;
    fiscalYear?: number;
    paymentStatus?: string;
    needsReview?: boolean;
    reachedAt?: string;
    /** When a paid record was paid (payment_processed_at). */
    paidAt?: string;
    isCumulative?: boolean;
  },
): Promise<string> {
  const status = row.paymentStatus ?? "pending";
  const [inserted] = await db("honorarium_records")
    .insert({
      organization_id: row.organizationId,
      scope_id: row.scopeId,
      peer_mentor_id: row.peerMentorId,
      threshold_config_id: row.configId ?? null,
      tier_name: row.tierName ?? "Office honorarium",
      tier_order: row.tierOrder ?? 1,
      period_type: "calendar_year",
      // Fixed defaults, never the wall clock: a fixture means the same on any date.
      period_key: row.periodKey ?? String(row.fiscalYear ?? 2026),
      assignment_count: row.thresholdCount ?? 3,
      threshold_crossed: true,
      threshold_level: row.thresholdLevel ?? "office_honorarium",
      threshold_assignment_number: row.thresholdCount ?? 3,
      honorarium_rate: row.rate ?? "500.00",
      is_cumulative: row.isCumulative ?? false,
      fiscal_year: row.fiscalYear ?? 2026,
      payment_status: status,
      payment_processed_at: status === "paid" ? (row.paidAt ?? `${row.fiscalYear ?? 2026}-03-01T12:00:00Z`) : null,
      needs_review: row.needsReview ?? false,
      review_flagged_at: row.needsReview === true ? `${row.fiscalYear ?? 2026}-04-01T12:00:00Z` : null,
      reached_at: row.reachedAt ?? `${row.fiscalYear ?? 2026}-02-01T09:00:00Z`,
    })
    .returning("id");
  return (inserted as { id: string }).id;
}

export async function seedLedger(
  db: Knex,
  row: {
    organizationId: string;
    scopeId: string | null;
    peerMentorId: string;
    assignmentId: string;
    state: "counted" | "cancelled";
    confirmedAt: string;
    monthKey: string;
    activityDate: string;
  },
): Promise<void> {
  await db("assignment_ledger").insert({
    assignment_id: row.assignmentId,
    peer_mentor_id: row.peerMentorId,
    organization_id: row.organizationId,
    scope_id: row.scopeId,
    state: row.state,
    confirmed_at: row.confirmedAt,
    month_key: row.monthKey,
    activity_date: row.activityDate,
    cancelled_at: row.state === "cancelled" ? row.confirmedAt : null,
  });
}

export { createTestDatabase };

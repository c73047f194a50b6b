import { commonEnvShape, envVar, loadEnv } from "@honorarium/shared";
import { z } from "zod";

export const queryApiEnvSchema = z
  .object({
    ...commonEnvShape,
    QUERY_API_PORT: envVar.port(4000),
    QUERY_API_HOST: z.string().min(1).default("0.0.0.0"),
    /** /metrics, /healthz and /readyz for operators, as the counter and notifier have; not on the public port. */
    QUERY_API_OPS_PORT: envVar.port(9466),
    QUERY_API_OPS_HOST: z.string().min(1).default("0.0.0.0"),
    AUTH_JWT_SECRET: z.string().min(32, "at least 32 characters for HS256").optional(),
    AUTH_JWKS_URL: z.url().optional(),
    AUTH_ISSUER: z.string().min(1).default("honorarium-tracker-auth"),
    AUTH_AUDIENCE: z.string().min(1).default("honorarium-tracker-api"),
    /** Longest token lifetime accepted (exp - iat, or exp - now without iat): 24 h. */
    AUTH_MAX_TOKEN_LIFETIME_SECONDS: envVar.positiveInt(86_400),
    /** How far iat may lie in the future (issuer and API clocks differ a little); exp and nbf stay exact. */
    AUTH_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(600).default(60),
    /** Minimum time between JWKS fetches triggered by an unknown kid (key rotation). */
    AUTH_JWKS_COOLDOWN_SECONDS: z.coerce.number().int().min(0).default(30),
    /**
     * Comma-separated origins allowed by CORS (the portal's, e.g. `https://portal.example.org`);
     * none by default, so no browser page of another origin may call the API; `*` allows any.
     */
    // Lower-cased like host names: browsers send the origin's scheme and host in lower case.
    QUERY_API_CORS_ORIGINS: envVar.hosts(),
    /** Request bodies above this are refused with 413 before (or while) being read: 1 MiB. */
    QUERY_API_MAX_BODY_BYTES: envVar.positiveInt(1_048_576),
    /** Sends Strict-Transport-Security (max-age one year) when the API is reached over https (behind TLS). */
    QUERY_API_HSTS: envVar.bool(false),
    QUERY_API_RATE_LIMIT_PER_MINUTE: envVar.positiveInt(600),
    /** Calls without a valid token, per client address and minute (401s are cheap to ask for, not to answer). */
    QUERY_API_ANONYMOUS_RATE_LIMIT_PER_MINUTE: envVar.positiveInt(120),
    QUERY_API_CACHE_TTL_SECONDS: envVar.positiveInt(30),
    /** false: every read goes to Postgres (the benchmark's uncached baseline). */
    QUERY_API_CACHE_ENABLED: envVar.bool(true),
    /** Prefix of every Redis key this service writes (cache, versions, rate limits). */
    QUERY_API_REDIS_PREFIX: z.string().min(1).default("query-api"),
    /** Hosts a webhook URL may name over plain http or on a private address (tests: 127.0.0.1). */
    QUERY_API_WEBHOOK_ALLOW_HOSTS: envVar.hostPorts(),
    /** Share of the tax-free limit from which a mentor is "near" it. */
    QUERY_API_TAX_NEAR_RATIO: z.coerce.number().gt(0).lte(1).default(0.8),
    /** How long a rotated-out webhook secret still signs (beside the new one). */
    QUERY_API_WEBHOOK_SECRET_OVERLAP_HOURS: z.coerce
      .number()
      .int()
      .min(0)
      .max(24 * 30)
      .default(24),
    /** The notifier's VAPID public key, served by push.vapidPublicKey (same name as the notifier's). */
    NOTIFIER_VAPID_PUBLIC_KEY: z.string().min(1).optional(),
  })
  .refine((env) => env.AUTH_JWT_SECRET !== undefined || env.AUTH_JWKS_URL !== undefined, {
    message: "set AUTH_JWT_SECRET (HS256) or AUTH_JWKS_URL",
    path: ["AUTH_JWT_SECRET"],
  });

export type QueryApiConfig = z.infer<typeof queryApiEnvSchema>;

export function loadQueryApiConfig(source: Record<string, string | undefined> = process.env): QueryApiConfig {
  return loadEnv(queryApiEnvSchema, source);
}

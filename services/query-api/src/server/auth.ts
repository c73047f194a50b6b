import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from "jose";
import { z } from "zod";

export const ROLES = ["peer_mentor", "coordinator", "org_admin", "global_admin"] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, from a verified token. */
export interface Caller {
  userId: string;
  /** The caller's organization; a global_admin may have none and names one per call. */
  organizationId: string | null;
  roles: Role[];
  /** Regional coordination units (RK ids) a coordinator looks after. */
  scopes: string[];
}

const claimsSchema = z.object({
  sub: z.uuid(),
  org: z.uuid().optional(),
  roles: z.array(z.string()).transform((roles) => roles.filter((role): role is Role => (ROLES as readonly string[]).includes(role))),
  scopes: z.array(z.uuid()).default([]),
  exp: z.number().optional(),
  iat: z.number().optional(),
});

export interface TokenVerifierOptions {
  secret?: string | undefined;
  jwksUrl?: string | undefined;
  issuer: string;
  audience: string;
  /** Longest accepted lifetime: exp - iat, or exp - now when the token has no iat. */
  maxLifetimeSeconds: number;
  /** How far a token's iat may lie in the future (clocks of issuer and API differ a little). */
  clockSkewSeconds: number;
  /** How long after a JWKS fetch an unknown kid may trigger the next one (jose's cooldown). */
  jwksCooldownSeconds?: number;
}

/** Why a token was refused, in words safe to show the caller. */
export class AuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuthenticationError";
  }
}

export type TokenVerifier = (token: string) => Promise<Caller>;

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const key: Uint8Array | JWTVerifyGetKey =
    options.jwksUrl !== undefined
      ? createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: (options.jwksCooldownSeconds ?? 30) * 1000 })
      : new TextEncoder().encode(options.secret ?? "");
  const algorithms = options.jwksUrl !== undefined ? ["RS256", "ES256", "EdDSA", "PS256"] : ["HS256"];
  // Verified tokens, until they expire: the same token arrives with every request of a session,
  // and HMAC/RSA verification through WebCrypto is the costliest step of a cached read.
  const verified = new Map<string, { caller: Caller; expiresAtMs: number }>();
  const verify = async (token: string): Promise<Caller> => {
    const known = verified.get(token);
    if (known !== undefined && Date.now() < known.expiresAtMs) return known.caller;
    verified.delete(token);
    const { caller, expiresAtMs } = await verifyOnce(token);
    if (verified.size >= VERIFIED_TOKEN_CACHE_SIZE) {
      const oldest = verified.keys().next();
      if (oldest.done !== true) verified.delete(oldest.value);
    }
    if (expiresAtMs !== null) verified.set(token, { caller, expiresAtMs });
    return caller;
  };
  return verify;

  async function verifyOnce(token: string): Promise<{ caller: Caller; expiresAtMs: number | null }> {
    let payload: unknown;
    try {
      const checks = {
        issuer: options.issuer,
        audience: options.audience,
        algorithms,
        requiredClaims: ["exp", "sub"],
      };
      const result = key instanceof Uint8Array ? await jwtVerify(token, key, checks) : await jwtVerify(token, key, checks);
      payload = result.payload;
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new AuthenticationError("the token has expired");
      if (error instanceof joseErrors.JWTClaimValidationFailed)
        throw new AuthenticationError(`the token's ${error.claim} claim is not accepted`);
      throw new AuthenticationError("the token is not valid");
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw new AuthenticationError("the token lacks the claims sub (uuid), roles and org");
    const { sub, org, roles, scopes, exp, iat } = claims.data;
    // Bounds jose does not check: a stolen token with exp in the year 275760, or one "issued"
    // tomorrow, would otherwise be good for ever (issue 14).
    const nowSeconds = Date.now() / 1000;
    if (iat !== undefined && iat > nowSeconds + options.clockSkewSeconds)
      throw new AuthenticationError("the token's iat claim is not accepted (issued in the future)");
    if (exp !== undefined && exp - (iat ?? nowSeconds) > options.maxLifetimeSeconds)
      throw new AuthenticationError(`the token's exp claim is not accepted (lifetime over ${options.maxLifetimeSeconds} s)`);
    if (roles.length === 0) throw new AuthenticationError("the token grants no known role");
    if (org === undefined && !roles.includes("global_admin")) throw new AuthenticationError("the token names no organization (org)");
    return { caller: { userId: sub, organizationId: org ?? null, roles, scopes }, expiresAtMs: exp === undefined ? null : exp * 1000 };
  }
}

const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

/** The bearer token of an Authorization header, if any. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(value.trim());
  return match?.[1];
}

import { randomUUID } from "node:crypto";
import { createServer, request } from "node:http";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { type TestDatabase, eventually } from "@honorarium/shared/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  AUDIENCE,
  ISSUER,
  JWT_SECRET,
  type RunningApi,
  createTestDatabase,
  errorOf,
  outcome,
  seedConfig,
  signToken,
  startApi,
} from "./helpers.ts";

const ORG = randomUUID();
let database: TestDatabase;
let api: RunningApi;
const admin = { sub: randomUUID(), org: ORG, roles: ["org_admin"] };

beforeAll(async () => {
  const services = inject("testServices");
  database = await createTestDatabase(services.databaseUrl);
  await seedConfig(database.db, ORG);
  api = await startApi({ db: database, redisUrl: services.redisUrl, env: { QUERY_API_CORS_ORIGINS: "https://portal.example.org" } });
});

afterAll(async () => {
  await api?.stop();
  await database?.drop();
});

const base = () => `http://127.0.0.1:${api.port}`;

describe("operations endpoints", () => {
  it("/healthz and /readyz on the API port; /metrics only on the ops port (issue 14)", async () => {
    expect(await (await fetch(`${base()}/healthz`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${base()}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", checks: { postgres: true, redis: true } });
    await api.client(admin).configs.list.query({});
    expect((await fetch(`${base()}/metrics`)).status).toBe(404);
    const metrics = await (await fetch(`http://127.0.0.1:${api.opsPort}/metrics`)).text();
    expect(await (await fetch(`http://127.0.0.1:${api.opsPort}/readyz`)).json()).toEqual({ status: "ready", checks: { postgres: true } });
    expect(metrics).toMatch(/query_api_request_duration_seconds_count\{[^}]*procedure="configs.list",type="query",code="OK"\} [1-9]/);
    expect((await fetch(`${base()}/nothing-here`)).status).toBe(404);
  });

  it("/openapi.json serves the published OpenAPI document, and a documented GET works as documented", async () => {
    const document = (await (await fetch(`${base()}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toBe("3.1.0");
    expect(document.paths).toHaveProperty(["/trpc/configs.list", "get"]);
    // A client without tRPC: GET /trpc/<procedure>?input=<JSON> with the bearer token, answer in result.data.
    const answer = await fetch(`${base()}/trpc/configs.list?input=${encodeURIComponent(JSON.stringify({}))}`, {
      headers: { authorization: `Bearer ${await signToken(admin)}` },
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toHaveProperty(["result", "data"]);
  });

  it("stop() lets a request in progress answer before it closes, and then accepts nothing", async () => {
    const second = await startApi({ db: database, redisUrl: inject("testServices").redisUrl });
    const base2 = `http://127.0.0.1:${second.port}`;
    // Hold configs.list inside Postgres: a lock it must wait for.
    const blocker = await database.db.transaction();
    await blocker.raw("lock table threshold_configs in access exclusive mode");
    const pending = fetch(`${base2}/trpc/configs.list?input=${encodeURIComponent("{}")}`, {
      headers: { authorization: `Bearer ${await signToken(admin)}` },
    });
    await eventually(
      async () => {
        const waiting: { rows: { n: number }[] } = await database.db.raw(
          "select count(*)::int as n from pg_locks where not granted and relation = 'threshold_configs'::regclass",
        );
        return (waiting.rows[0]?.n ?? 0) > 0 ? true : undefined;
      },
      10_000,
      "configs.list waiting on the lock",
    );
    const stopping = second.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await blocker.rollback();
    const answer = await pending;
    expect(answer.status).toBe(200);
    expect(await answer.json()).toHaveProperty(["result", "data"]);
    await stopping;
    await expect(fetch(`${base2}/healthz`)).rejects.toThrow();
  });

  it("CORS answers allowed origins only", async () => {
    const allowed = await fetch(`${base()}/trpc/configs.list`, {
      method: "OPTIONS",
      headers: { origin: "https://portal.example.org", "access-control-request-method": "GET" },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://portal.example.org");
    expect(allowed.headers.get("access-control-allow-headers")).toContain("authorization");
    const denied = await fetch(`${base()}/trpc/configs.list`, { method: "OPTIONS", headers: { origin: "https://evil.example.com" } });
    expect(denied.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("batches several calls in one HTTP request", async () => {
    const token = await signToken(admin);
    const input = encodeURIComponent(JSON.stringify({ 0: {}, 1: { includeInactive: true } }));
    const response = await fetch(`${base()}/trpc/configs.list,configs.list?batch=1&input=${input}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { result: { data: { configs: unknown[] } } }[];
    expect(body).toHaveLength(2);
    expect(body[0]?.result.data.configs).toHaveLength(1);
  });
});

describe("authentication", () => {
  const call = (token: string | null) => api.client(token ?? null).configs.list.query({});
  const claims = { sub: randomUUID(), org: ORG, roles: ["org_admin"] };

  it("401 without a token, with a clear message", async () => {
    const error = await errorOf(call(null));
    expect(error.data?.code).toBe("UNAUTHORIZED");
    expect(error.data?.httpStatus).toBe(401);
    expect(error.message).toBe("a Bearer token is required");
  });

  it.each([
    ["expired", () => signToken(claims, { expiresIn: Math.floor(Date.now() / 1000) - 60 }), "the token has expired"],
    ["wrong issuer", () => signToken(claims, { issuer: "someone-else" }), "the token's iss claim is not accepted"],
    ["wrong audience", () => signToken(claims, { audience: "another-api" }), "the token's aud claim is not accepted"],
    [
      "not yet valid",
      () => signToken(claims, { notBefore: Math.floor(Date.now() / 1000) + 3600 }),
      "the token's nbf claim is not accepted",
    ],
    ["wrong signature", () => signToken(claims, { secret: "another-secret-that-is-long-enough-0123456789" }), "the token is not valid"],
    ["no known role", () => signToken({ ...claims, roles: ["superuser"] }), "the token grants no known role"],
    ["no organization", () => signToken({ sub: randomUUID(), roles: ["coordinator"] }), "the token names no organization (org)"],
    ["sub not a uuid", () => signToken({ ...claims, sub: "alice" }), "the token lacks the claims sub (uuid), roles and org"],
    ["garbage", async () => "not.a.jwt", "the token is not valid"],
    // Issue 14: a lifetime bound (AUTH_MAX_TOKEN_LIFETIME_SECONDS, 24 h) and a clock-skew bound on iat (60 s).
    [
      "valid until the year 275760",
      () => signToken(claims, { expiresIn: 8_640_000_000_000 }),
      "the token's exp claim is not accepted (lifetime over 86400 s)",
    ],
    [
      "issued a day in the future",
      () => signToken(claims, { issuedAt: Math.floor(Date.now() / 1000) + 86_400, expiresIn: Math.floor(Date.now() / 1000) + 90_000 }),
      "the token's iat claim is not accepted (issued in the future)",
    ],
  ])("401 for a token that is %s", async (_, make, message) => {
    const error = await errorOf(call(await make()));
    expect(error.data?.code).toBe("UNAUTHORIZED");
    expect(error.message).toBe(message);
  });

  it("without iat, the lifetime bound counts from now; a 25 h token is refused, a 23 h one and one issued 30 s ahead pass", async () => {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const noIat = (expiresAt: number) =>
      new SignJWT({ org: ORG, roles: ["org_admin"] })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject(randomUUID())
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime(expiresAt)
        .sign(new TextEncoder().encode(JWT_SECRET));
    expect((await errorOf(call(await noIat(nowSeconds + 25 * 3600)))).data?.code).toBe("UNAUTHORIZED");
    expect(await outcome(call(await noIat(nowSeconds + 23 * 3600)))).toBe("OK");
    expect(await outcome(call(await signToken(claims, { issuedAt: nowSeconds + 30, expiresIn: nowSeconds + 3600 })))).toBe("OK");
    expect(await outcome(call(await signToken(claims, { expiresIn: "25h" })))).toBe("UNAUTHORIZED");
  });

  it("a token without exp is refused, and a remembered token stops working when it expires", async () => {
    const noExp = await new SignJWT({ org: ORG, roles: ["org_admin"] })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(randomUUID())
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .sign(new TextEncoder().encode(JWT_SECRET));
    expect((await errorOf(call(noExp))).message).toBe("the token's exp claim is not accepted");
    const shortLived = await signToken(claims, { expiresIn: Math.floor(Date.now() / 1000) + 2 });
    expect(await outcome(call(shortLived))).toBe("OK");
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await errorOf(call(shortLived))).message).toBe("the token has expired");
  });

  it("403 names what is missing", async () => {
    const error = await errorOf(api.client({ sub: randomUUID(), org: ORG, roles: ["peer_mentor"] }).configs.list.query({}));
    expect(error.data?.code).toBe("FORBIDDEN");
    expect(error.data?.httpStatus).toBe(403);
    expect(error.message).toBe("only coordinators and administrators may do this");
    const global = await errorOf(api.client({ sub: randomUUID(), roles: ["global_admin"] }).configs.list.query({}));
    expect(global.message).toBe("a global_admin must name the organization (organizationId)");
  });
});

describe("browser-facing defaults and body size (issue 14)", () => {
  it("every response carries the security headers", async () => {
    for (const response of [await fetch(`${base()}/healthz`), await fetch(`${base()}/trpc/configs.list`), await fetch(`${base()}/nope`)]) {
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("x-frame-options")).toBe("DENY");
      expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(response.headers.get("referrer-policy")).toBe("no-referrer");
      expect(response.headers.get("cross-origin-resource-policy")).toBe("same-origin");
      expect(response.headers.get("strict-transport-security")).toBeNull();
    }
  });

  it("no origin is allowed by default; HSTS only when configured", async () => {
    const services = inject("testServices");
    const plain = await startApi({ db: database, redisUrl: services.redisUrl, env: { QUERY_API_HSTS: "true" } });
    try {
      const preflight = await fetch(`http://127.0.0.1:${plain.port}/trpc/configs.list`, {
        method: "OPTIONS",
        headers: { origin: "http://localhost:3000", "access-control-request-method": "GET" },
      });
      expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
      expect(preflight.headers.get("strict-transport-security")).toMatch(/^max-age=\d+/);
    } finally {
      await plain.stop();
    }
  });

  it("a body over the limit (1 MiB) is refused with 413 by its Content-Length, unread", async () => {
    const token = await signToken(admin);
    const response = await fetch(`${base()}/trpc/configs.create`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "x".repeat(1_100_000) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE" } });
  });

  it("a chunked body is cut off with 413 once it passes the limit", async () => {
    const token = await signToken(admin);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${base()}/trpc/configs.create`,
        {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "transfer-encoding": "chunked" },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      const chunk = Buffer.alloc(64 * 1024, "a");
      for (let i = 0; i < 24; i++) req.write(chunk);
      req.end();
    });
    expect(status).toBe(413);
  });
});

describe("a refused subscription (issue 14)", () => {
  const subscribe = (input: unknown, token?: string) =>
    fetch(`${base()}/trpc/counts.onChange?input=${encodeURIComponent(JSON.stringify(input))}`, {
      headers: { accept: "text/event-stream", ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    });

  it("answers 403 / 401 / 400 before any event stream opens", async () => {
    const forbidden = await subscribe(
      { organizationId: randomUUID() },
      await signToken({ sub: randomUUID(), org: ORG, roles: ["coordinator"] }),
    );
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get("content-type")).toBe("application/json");
    expect(await forbidden.json()).toMatchObject({ error: { code: -32003, data: { code: "FORBIDDEN", httpStatus: 403 } } });
    const anonymous = await subscribe({});
    expect(anonymous.status).toBe(401);
    await anonymous.body?.cancel();
    const invalid = await subscribe({ lastEventId: 42 }, await signToken(admin));
    expect(invalid.status).toBe(400);
    await invalid.body?.cancel();
  });

  it("an allowed subscription still opens its stream", async () => {
    const controller = new AbortController();
    const allowed = await fetch(`${base()}/trpc/counts.onChange?input=${encodeURIComponent("{}")}`, {
      headers: { accept: "text/event-stream", authorization: `Bearer ${await signToken(admin)}` },
      signal: controller.signal,
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("content-type")).toContain("text/event-stream");
    controller.abort();
  });
});

describe("errors", () => {
  it("flattens zod errors into fieldErrors and never leaks stacks or SQL", async () => {
    const token = await signToken(admin);
    const response = await fetch(`${base()}/trpc/configs.create`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        name: "",
        thresholdCount: -1,
        honorariumAmount: "x",
        periodType: "weekly",
        tierOrder: 1.5,
        effectiveFrom: "yesterday",
      }),
    });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).not.toMatch(/"stack"|at .*\.ts:\d+|select |insert /i);
    const body = JSON.parse(text) as { error: { data: { code: string; fieldErrors: Record<string, string[]> } } };
    expect(body.error.data.code).toBe("BAD_REQUEST");
    expect(Object.keys(body.error.data.fieldErrors).sort()).toEqual([
      "effectiveFrom",
      "honorariumAmount",
      "name",
      "periodType",
      "thresholdCount",
      "tierOrder",
    ]);
    expect(body.error.data.fieldErrors.thresholdCount?.[0]).toContain("threshold_count_positive");
  });
});

describe("rate limit", () => {
  it("answers 429 after the per-user limit, per user", async () => {
    const services = inject("testServices");
    // A fixed clock 20 s into a minute: every request falls in one window, which ends in 40 s.
    const limited = await startApi({
      db: database,
      redisUrl: services.redisUrl,
      env: { QUERY_API_RATE_LIMIT_PER_MINUTE: "3" },
      now: () => new Date("2026-06-15T10:00:20Z"),
    });
    try {
      const user = { sub: randomUUID(), org: ORG, roles: ["org_admin"] };
      const results: string[] = [];
      for (let i = 0; i < 5; i++) results.push(await outcome(limited.client(user).configs.list.query({})));
      expect(results).toEqual(["OK", "OK", "OK", "TOO_MANY_REQUESTS", "TOO_MANY_REQUESTS"]);
      const error = await errorOf(limited.client(user).configs.list.query({}));
      expect(error.data?.httpStatus).toBe(429);
      expect(error.message).toBe("rate limit exceeded; retry in 40 s");
      expect(await outcome(limited.client({ sub: randomUUID(), org: ORG, roles: ["org_admin"] }).configs.list.query({}))).toBe("OK");
      // Issue 14: the 429 carries Retry-After, also on a file download.
      const token = await signToken(user);
      const raw = await fetch(`${limited.url}/configs.list`, { headers: { authorization: `Bearer ${token}` } });
      expect(raw.status).toBe(429);
      expect(raw.headers.get("retry-after")).toBe("40");
      const file = await fetch(
        `${limited.url.replace(/\/trpc$/, "")}/files/bufdir.exportCsv?input=${encodeURIComponent('{"year":2026}')}`,
        {
          headers: { authorization: `Bearer ${token}` },
        },
      );
      expect(file.status).toBe(429);
      expect(file.headers.get("retry-after")).toBe("40");
    } finally {
      await limited.stop();
    }
  });

  it("limits calls without a valid token per client address, with Retry-After (issue 14)", async () => {
    const services = inject("testServices");
    const limited = await startApi({
      db: database,
      redisUrl: services.redisUrl,
      env: { QUERY_API_ANONYMOUS_RATE_LIMIT_PER_MINUTE: "3" },
      now: () => new Date("2026-06-15T10:00:45Z"),
    });
    try {
      const results: string[] = [];
      for (let i = 0; i < 2; i++) results.push(await outcome(limited.client(null).configs.list.query({})));
      results.push(await outcome(limited.client("not.a.jwt").configs.list.query({})));
      results.push(await outcome(limited.client(null).configs.list.query({})));
      expect(results).toEqual(["UNAUTHORIZED", "UNAUTHORIZED", "UNAUTHORIZED", "TOO_MANY_REQUESTS"]);
      const raw = await fetch(`${limited.url}/configs.list`);
      expect(raw.status).toBe(429);
      expect(raw.headers.get("retry-after")).toBe("15");
      // A caller with a valid token is not held back by the anonymous budget of the address.
      expect(await outcome(limited.client({ sub: randomUUID(), org: ORG, roles: ["org_admin"] }).configs.list.query({}))).toBe("OK");
    } finally {
      await limited.stop();
    }
  });
});

describe("JWKS (AUTH_JWKS_URL)", () => {
  it("verifies RS256 tokens against the key set and refuses HS256 ones", async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
    const jwks = createServer((_, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", () => resolve()));
    const address = jwks.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    const services = inject("testServices");
    const withJwks = await startApi({
      db: database,
      redisUrl: services.redisUrl,
      env: { AUTH_JWKS_URL: `http://127.0.0.1:${port}/jwks.json` },
    });
    try {
      const token = await new SignJWT({ org: ORG, roles: ["org_admin"] })
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .setSubject(randomUUID())
        .setIssuer("honorarium-tracker-auth")
        .setAudience("honorarium-tracker-api")
        .setExpirationTime("5m")
        .sign(privateKey);
      expect((await withJwks.client(token).configs.list.query({})).configs).toHaveLength(1);
      expect(await outcome(withJwks.client(admin).configs.list.query({}))).toBe("UNAUTHORIZED");
    } finally {
      await withJwks.stop();
      await new Promise<void>((resolve) => jwks.close(() => resolve()));
    }
  });
});

describe("JWKS key rotation (issue 14)", () => {
  it("picks up a new kid after rotation, refuses an unknown kid and the retired key, and bounds the lifetime", async () => {
    const first = await generateKeyPair("ES256");
    const second = await generateKeyPair("ES256");
    const stranger = await generateKeyPair("ES256");
    type Key = Parameters<typeof exportJWK>[0];
    const jwkOf = async (key: Key, kid: string) => ({ ...(await exportJWK(key)), kid, alg: "ES256", use: "sig" });
    let published = [await jwkOf(first.publicKey, "k1")];
    let fetches = 0;
    const jwks = createServer((_, res) => {
      fetches += 1;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", () => resolve()));
    const address = jwks.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    const services = inject("testServices");
    // Cooldown 0: an unknown kid refetches the set at once (the default 30 s would need a wait).
    const withJwks = await startApi({
      db: database,
      redisUrl: services.redisUrl,
      env: { AUTH_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`, AUTH_JWKS_COOLDOWN_SECONDS: "0" },
    });
    const sign = (key: Key, kid: string, expiresIn: string = "5m") =>
      new SignJWT({ org: ORG, roles: ["org_admin"] })
        .setProtectedHeader({ alg: "ES256", kid })
        .setSubject(randomUUID())
        .setIssuedAt()
        .setIssuer("honorarium-tracker-auth")
        .setAudience("honorarium-tracker-api")
        .setExpirationTime(expiresIn)
        .sign(key);
    const list = async (token: string) => outcome(withJwks.client(token).configs.list.query({}));
    try {
      expect(await list(await sign(first.privateKey, "k1"))).toBe("OK");
      expect(await list(await sign(stranger.privateKey, "k9"))).toBe("UNAUTHORIZED");
      // A known kid signed by another key: the signature decides.
      expect(await list(await sign(stranger.privateKey, "k1"))).toBe("UNAUTHORIZED");
      expect(await list(await sign(first.privateKey, "k1", "48h"))).toBe("UNAUTHORIZED");
      // Rotation: the issuer publishes k2 and retires k1.
      published = [await jwkOf(second.publicKey, "k2")];
      const before = fetches;
      expect(await list(await sign(second.privateKey, "k2"))).toBe("OK");
      expect(fetches).toBeGreaterThan(before);
      expect(await list(await sign(first.privateKey, "k1"))).toBe("UNAUTHORIZED");
    } finally {
      await withJwks.stop();
      await new Promise<void>((resolve) => jwks.close(() => resolve()));
    }
  });
});

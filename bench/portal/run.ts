/**
 * npm run bench:portal — what a coordinator's browser pays for the portal.
 *
 * 1. First-load size: a fresh production build; the JavaScript and CSS that index.html loads, raw,
 *    gzip and brotli (what the portal's server sends), against the 250 KB compressed budget.
 * 2. Dashboard time to interactive for a 500-mentor scope: seeds 500 mentors in one scope (this
 *    month's counts 0-16, so many approaching and crossed, their crossing records pending), starts
 *    the query API and the portal's server, and opens the dashboard in Debian's chromium through a
 *    sign-in link, BENCH_RUNS times (a fresh tab each); the time is from navigation start until the
 *    "action required" table has its rows and the page answers input. Baseline in the same run: the
 *    counts.dashboard call alone, from Node, over HTTP. Writes bench/results/portal.json.
 * Env: BENCH_MENTORS (500), BENCH_RUNS (7), DATABASE_URL / REDIS_URL (the local stack by default).
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { SignJWT } from "jose";
import { build } from "vite";
import { createTestDatabase, freePort, spawnNode, spawnService, uniqueName } from "@honorarium/shared/testing";
import { launchChromium } from "@honorarium/portal/testing";

const MENTORS = Number(process.env.BENCH_MENTORS ?? 500);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const SERVER_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SECRET = "portal-bench-secret-0123456789abcdef0123";
const ORG = "b0000000-0000-4000-8000-0000000000b1";
const SCOPE = "b0000000-0000-4000-8000-0000000000b2";
const COORDINATOR = "b0000000-0000-4000-8000-0000000000b3";
const BUDGET = 250 * 1024;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

async function ready(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: exited with ${child.exitCode}`);
    if ((await fetch(url).catch(() => undefined))?.ok === true) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} never became ready`);
}

const dist = mkdtempSync(join(tmpdir(), "portal-bench-"));
await build({ configFile: join(ROOT, "services/portal/vite.config.ts"), logLevel: "warn", build: { outDir: dist, emptyOutDir: true } });
const html = readFileSync(join(dist, "index.html"), "utf8");
const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1] ?? "");
const sizes = assets.map((asset) => {
  const body = readFileSync(join(dist, asset));
  return {
    asset,
    raw: body.length,
    gzip: gzipSync(body, { level: 9 }).length,
    brotli: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
});
const js = sizes.filter((s) => s.asset.endsWith(".js"));
const jsGzip = js.reduce((sum, s) => sum + s.gzip, 0);
const jsBrotli = js.reduce((sum, s) => sum + s.brotli, 0);
for (const s of sizes) console.log(`${s.asset}: ${kb(s.raw)} raw, ${kb(s.gzip)} gzip, ${kb(s.brotli)} brotli`);
console.log(
  `first-load JavaScript: ${kb(jsGzip)} gzip, ${kb(jsBrotli)} brotli = ${((jsGzip / BUDGET) * 100).toFixed(0)}% of the 250 KB budget`,
);

const database = await createTestDatabase(SERVER_URL, { poolMax: 2 });
const children: ChildProcess[] = [];
const browser = await launchChromium();
try {
  const { db } = database;
  const now = new Date();
  const month = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Oslo", year: "numeric", month: "2-digit" }).format(now).slice(0, 7);
  const year = Number(month.slice(0, 4));
  await db("organization_settings").insert({ organization_id: ORG, time_zone: "Europe/Oslo" });
  const tier = {
    organization_id: ORG,
    currency: "NOK",
    period_type: "calendar_year",
    is_cumulative: false,
    effective_from: "2020-01-01T00:00:00Z",
    notification_enabled: true,
    created_by: COORDINATOR,
  };
  await db("threshold_configs").insert([
    {
      ...tier,
      name: "Kontorhonorar",
      threshold_count: 3,
      honorarium_amount: "500.00",
      tier_order: 1,
      threshold_level: "office_honorarium",
    },
    { ...tier, name: "Høyere sats", threshold_count: 15, honorarium_amount: "1500.00", tier_order: 2, threshold_level: "higher_rate" },
  ]);
  await db.raw(
    "create function bench_uuid(t text) returns uuid immutable language sql as $$ select overlay(overlay(md5(t) placing '4' from 13) placing '8' from 17)::uuid $$",
  );
  await db.raw(
    `insert into mentor_month_counts (organization_id, scope_id, peer_mentor_id, month_key, confirmed_count)
     select ?::uuid, ?::uuid, bench_uuid('mentor' || i), ?, i % 17 from generate_series(0, ? - 1) i where i % 17 > 0`,
    [ORG, SCOPE, month, MENTORS],
  );
  for (const [name, order, level, count, rate] of [
    ["Kontorhonorar", 1, "office_honorarium", 3, "500.00"],
    ["Høyere sats", 2, "higher_rate", 15, "1500.00"],
  ] as const) {
    await db.raw(
      `insert into honorarium_records (peer_mentor_id, organization_id, scope_id, tier_name, tier_order, period_type, period_key, assignment_count,
                                       threshold_level, threshold_assignment_number, honorarium_rate, fiscal_year, payment_status, reached_at)
       select bench_uuid('mentor' || i), ?::uuid, ?::uuid, ?, ?, 'calendar_year', ?, ?, ?, ?, ?, ?, 'pending', now() - interval '1 hour'
         from generate_series(0, ? - 1) i where i % 17 >= ?`,
      [ORG, SCOPE, name, order, String(year), count, level, count, rate, year, MENTORS, count],
    );
  }
  await db.raw("analyze");

  const [apiPort, portalPort] = [await freePort(), await freePort()];
  const prefix = uniqueName("bench-portal");
  children.push(
    spawnService("query-api", {
      stdio: ["ignore", "ignore", "inherit"],
      env: {
        DATABASE_URL: database.url,
        REDIS_URL,
        LOG_LEVEL: "warn",
        QUERY_API_PORT: String(apiPort),
        QUERY_API_OPS_PORT: "0",
        QUERY_API_HOST: "127.0.0.1",
        QUERY_API_REDIS_PREFIX: prefix,
        AUTH_JWT_SECRET: SECRET,
        QUERY_API_RATE_LIMIT_PER_MINUTE: "100000",
      },
    }),
    spawnNode(`${ROOT}services/portal/src/main.ts`, {
      stdio: ["ignore", "ignore", "inherit"],
      env: { LOG_LEVEL: "warn", PORTAL_PORT: String(portalPort), PORTAL_API_URL: `http://127.0.0.1:${apiPort}`, PORTAL_DIST_DIR: dist },
    }),
  );
  const [api, portal] = children as [ChildProcess, ChildProcess];
  await ready(`http://127.0.0.1:${apiPort}/readyz`, api);
  await ready(`http://127.0.0.1:${portalPort}/readyz`, portal);
  const token = await new SignJWT({ org: ORG, roles: ["coordinator"], scopes: [SCOPE] })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(COORDINATOR)
    .setIssuer("honorarium-tracker-auth")
    .setAudience("honorarium-tracker-api")
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(SECRET));

  // Baseline: the portal's dashboard query alone (first uncached, then cached).
  const input = encodeURIComponent(JSON.stringify({ page: 1, pageSize: 100, sortBy: "urgency" }));
  const apiTimes: number[] = [];
  let sections = "";
  for (let i = 0; i < RUNS + 1; i++) {
    const started = performance.now();
    const response = await fetch(`http://127.0.0.1:${apiPort}/trpc/counts.dashboard?input=${input}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await response.json()) as { result: { data: Record<string, { total?: number }> } };
    apiTimes.push(performance.now() - started);
    const data = body.result.data;
    sections = ["actionRequired", "approaching", "flaggedForReview", "nearTaxFreeLimit"]
      .map((k) => `${k} ${data[k]?.total ?? 0}`)
      .join(", ");
  }
  console.log(`dashboard of ${MENTORS} mentors: ${sections}`);

  const tti: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`http://127.0.0.1:${portalPort}/sign-in?next=%2F#token=${token}`);
    await page.getByRole("region", { name: "Terskel nådd – handling kreves" }).getByRole("row").nth(100).waitFor();
    // Interactive: the main thread answers (a frame after the render).
    tti.push(Number(await page.evaluate("new Promise((resolve) => requestAnimationFrame(() => resolve(performance.now())))")));
    await page.close();
  }
  const result = {
    measuredAt: new Date().toISOString(),
    mentors: MENTORS,
    firstLoad: { assets: sizes, jsGzip, jsBrotli, budget: BUDGET },
    dashboard: {
      apiUncachedMs: apiTimes[0],
      apiCachedMedianMs: median(apiTimes.slice(1)),
      timeToInteractiveMs: { median: median(tti), min: Math.min(...tti), max: Math.max(...tti), runs: tti },
    },
  };
  console.log(
    `dashboard time to interactive: median ${median(tti).toFixed(0)} ms (min ${Math.min(...tti).toFixed(0)}, max ${Math.max(...tti).toFixed(0)}, ${RUNS} runs); ` +
      `counts.dashboard alone ${apiTimes[0]?.toFixed(0)} ms uncached, ${median(apiTimes.slice(1)).toFixed(1)} ms cached; ` +
      `ratio ${(median(tti) / median(apiTimes.slice(1))).toFixed(0)}× the cached call`,
  );
  mkdirSync(join(ROOT, "bench/results"), { recursive: true });
  writeFileSync(join(ROOT, "bench/results/portal.json"), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await browser.close();
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(
    children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once("exit", resolve)))),
  );
  await database.drop();
  rmSync(dist, { recursive: true, force: true });
}

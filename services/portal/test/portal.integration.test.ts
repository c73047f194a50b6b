/**
 * The portal in a real browser (Debian's chromium through playwright-core) against the real stack:
 * the counter, notifier and query API as child processes started as production starts them, on
 * their own database, topics, groups and live-update channel; the portal's own server serving a
 * fresh build and proxying /trpc and /files. Events go in through Kafka only.
 */
import type { ChildProcess } from "node:child_process";
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { type Server, createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SignJWT } from "jose";
import type { Kafka, Producer } from "kafkajs";
import type { Browser, Page } from "playwright-core";
import { build } from "vite";
import { TOPICS, deadLetterTopicOf } from "@honorarium/shared/contracts";
import {
  REPO_ROOT,
  type TestDatabase,
  type TestServices,
  createTestDatabase,
  createTestKafka,
  createTopics,
  eventually,
  freePort,
  spawnNode,
  spawnService,
  uniqueName,
} from "@honorarium/shared/testing";
import { keyboardWalk, launchChromium, seriousViolations } from "./browser.ts";

declare module "vitest" {
  export interface ProvidedContext {
    testServices: TestServices;
  }
}

const services = inject("testServices");
const prefix = uniqueName("portal");
const CONFIRMED = `${prefix}.${TOPICS.assignmentConfirmed}`;
const CANCELLED = `${prefix}.${TOPICS.assignmentCancelled}`;
const CROSSED = `${prefix}.${TOPICS.thresholdCrossed}`;
const JWT_SECRET = "portal-browser-test-secret-0123456789abcdef";
const ORG = randomUUID();
const SCOPE = randomUUID();
const COORDINATOR = randomUUID();
const ADMIN = randomUUID();
const KARI = randomUUID(); // 15 assignments: both tiers
const OLA = randomUUID(); // 3: the office honorarium
const PER = randomUUID(); // 1: approaching, then live
/** A VAPID public key as `npx web-push generate-vapid-keys` prints it: the uncompressed P-256 point, base64url. */
const VAPID_PUBLIC_KEY = (() => {
  const jwk = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey.export({ format: "jwk" });
  return Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x ?? "", "base64url"), Buffer.from(jwk.y ?? "", "base64url")]).toString(
    "base64url",
  );
})();
/** UPDATE_SCREENSHOTS=1 writes the README's pictures; otherwise they go under .run/. */
const SHOTS = join(REPO_ROOT, process.env.UPDATE_SCREENSHOTS === "1" ? "docs/screenshots" : ".run/screenshots");

interface Webhook {
  type: string;
  data: { recordId: string; peerMentorId: string; tierName: string; deepLink: string };
}

async function ready(url: string, child: ChildProcess): Promise<void> {
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}`);
      const response = await fetch(url).catch(() => undefined);
      return response?.ok === true ? true : undefined;
    },
    90_000,
    `readiness at ${url}`,
  );
}

const tokenFor = (sub: string, roles: string[], scopes: string[]) =>
  new SignJWT({ org: ORG, roles, scopes })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(sub)
    .setIssuer("honorarium-tracker-auth")
    .setAudience("honorarium-tracker-api")
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(JWT_SECRET));

describe("the portal in a real browser against the real stack", () => {
  let database: TestDatabase;
  let kafka: Kafka;
  let producer: Producer;
  let browser: Browser;
  let receiver: Server;
  let portalUrl = "";
  /** A second portal on a second query API with no VAPID key: Web Push not configured. */
  let noKeyPortalUrl = "";
  let distDir = "";
  const webhooks: Webhook[] = [];
  const children: ChildProcess[] = [];
  const axeResults: Record<string, number> = {};
  let clock = Date.now() - 120_000;

  const assignments = new Map<string, string[]>();
  const confirm = async (mentor: string, times = 1): Promise<void> => {
    const messages = Array.from({ length: times }, () => {
      clock += 1000;
      const event = {
        eventId: randomUUID(),
        assignmentId: randomUUID(),
        peerMentorId: mentor,
        organizationId: ORG,
        scopeId: SCOPE,
        coordinatorId: COORDINATOR,
        confirmedAt: new Date(clock).toISOString(),
      };
      assignments.set(mentor, [...(assignments.get(mentor) ?? []), event.assignmentId]);
      return { key: mentor, value: JSON.stringify(event) };
    });
    await producer.send({ topic: CONFIRMED, acks: -1, messages });
  };

  /** A page signed in through a sign-in link (token in the fragment), as `npm run up` prints them. */
  const signedIn = async (token: string, path = "/"): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, bypassCSP: true });
    page.on("pageerror", (error) => {
      throw error;
    });
    await page.goto(`${portalUrl}/sign-in?next=${encodeURIComponent(path)}#token=${token}`);
    return page;
  };

  const check = async (page: Page, name: string): Promise<void> => {
    const violations = await seriousViolations(page);
    axeResults[name] = violations.length;
    expect(violations, `${name}: ${JSON.stringify(violations, null, 1)}`).toEqual([]);
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    distDir = mkdtempSync(join(tmpdir(), "portal-dist-"));
    await build({
      configFile: join(REPO_ROOT, "services/portal/vite.config.ts"),
      logLevel: "warn",
      build: { outDir: distDir, emptyOutDir: true },
    });

    receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        webhooks.push(JSON.parse(body) as Webhook);
        res.writeHead(204).end();
      });
    });
    const receiverPort = await freePort();
    await new Promise<void>((resolve) => receiver.listen(receiverPort, "127.0.0.1", resolve));

    database = await createTestDatabase(services.databaseUrl, { poolMax: 2 });
    kafka = createTestKafka(services.kafkaBrokers);
    await createTopics(kafka, [CONFIRMED, CANCELLED, CROSSED, ...[CONFIRMED, CANCELLED, CROSSED].map(deadLetterTopicOf)], 1);
    await database.db("organization_settings").insert({ organization_id: ORG, time_zone: "Europe/Oslo" });
    const tier = {
      organization_id: ORG,
      currency: "NOK",
      period_type: "calendar_year",
      is_cumulative: false,
      effective_from: "2020-01-01T00:00:00Z",
      notification_enabled: true,
      created_by: ADMIN,
    };
    await database.db("threshold_configs").insert([
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
    await database.db("organization_webhooks").insert({
      organization_id: ORG,
      url: `http://127.0.0.1:${receiverPort}/hook`,
      secret: `whsec_${Buffer.alloc(32, 9).toString("base64")}`,
      enabled: true,
    });

    const [counterPort, notifierPort, apiPort, portalPort, noKeyApiPort, noKeyPortalPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    portalUrl = `http://127.0.0.1:${portalPort}`;
    noKeyPortalUrl = `http://127.0.0.1:${noKeyPortalPort}`;
    const common = {
      DATABASE_URL: database.url,
      REDIS_URL: services.redisUrl,
      KAFKA_BROKERS: services.kafkaBrokers.join(","),
      LOG_LEVEL: "warn",
      LIVE_UPDATES_PREFIX: `${prefix}:`,
    };
    const stdio = ["ignore", "ignore", "inherit"] as const;
    children.push(
      spawnService("counter", {
        stdio: [...stdio],
        env: {
          ...common,
          COUNTER_HTTP_PORT: String(counterPort),
          COUNTER_GROUP_ID: `${prefix}-counter`,
          COUNTER_TOPICS: `${CONFIRMED},${CANCELLED}`,
          COUNTER_THRESHOLD_CROSSED_TOPIC: CROSSED,
        },
      }),
      spawnService("notifier", {
        stdio: [...stdio],
        env: {
          ...common,
          NOTIFIER_HTTP_PORT: String(notifierPort),
          NOTIFIER_INPUT_TOPIC: CROSSED,
          NOTIFIER_CONSUMER_GROUP: `${prefix}-notifier`,
          NOTIFIER_TOPIC_PARTITIONS: "1",
          NOTIFIER_DEEP_LINK_BASE_URL: portalUrl,
          NOTIFIER_WEBHOOK_ALLOW_HOSTS: "127.0.0.1:*",
          NOTIFIER_REDIS_KEY_PREFIX: `${prefix}:notifier:`,
        },
      }),
      spawnService("query-api", {
        stdio: [...stdio],
        env: {
          ...common,
          QUERY_API_PORT: String(apiPort),
          QUERY_API_OPS_PORT: "0",
          QUERY_API_HOST: "127.0.0.1",
          QUERY_API_REDIS_PREFIX: prefix,
          AUTH_JWT_SECRET: JWT_SECRET,
          NOTIFIER_VAPID_PUBLIC_KEY: VAPID_PUBLIC_KEY,
        },
      }),
      spawnNode(`${REPO_ROOT}services/portal/src/main.ts`, {
        stdio: [...stdio],
        env: {
          LOG_LEVEL: "warn",
          PORTAL_PORT: String(portalPort),
          PORTAL_HOST: "127.0.0.1",
          PORTAL_API_URL: `http://127.0.0.1:${apiPort}`,
          PORTAL_DIST_DIR: distDir,
        },
      }),
      spawnService("query-api", {
        stdio: [...stdio],
        env: {
          ...common,
          QUERY_API_PORT: String(noKeyApiPort),
          QUERY_API_OPS_PORT: "0",
          QUERY_API_HOST: "127.0.0.1",
          QUERY_API_REDIS_PREFIX: `${prefix}-nokey`,
          AUTH_JWT_SECRET: JWT_SECRET,
        },
      }),
      spawnNode(`${REPO_ROOT}services/portal/src/main.ts`, {
        stdio: [...stdio],
        env: {
          LOG_LEVEL: "warn",
          PORTAL_PORT: String(noKeyPortalPort),
          PORTAL_HOST: "127.0.0.1",
          PORTAL_API_URL: `http://127.0.0.1:${noKeyApiPort}`,
          PORTAL_DIST_DIR: distDir,
        },
      }),
    );
    const [counter, notifier, api, portal, noKeyApi, noKeyPortal] = children as [
      ChildProcess,
      ChildProcess,
      ChildProcess,
      ChildProcess,
      ChildProcess,
      ChildProcess,
    ];
    await Promise.all([
      ready(`http://127.0.0.1:${counterPort}/readyz`, counter),
      ready(`http://127.0.0.1:${notifierPort}/readyz`, notifier),
      ready(`http://127.0.0.1:${apiPort}/readyz`, api),
      ready(`${portalUrl}/readyz`, portal),
      ready(`http://127.0.0.1:${noKeyApiPort}/readyz`, noKeyApi),
      ready(`${noKeyPortalUrl}/readyz`, noKeyPortal),
    ]);
    browser = await launchChromium();
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();

    await confirm(KARI, 15);
    await confirm(OLA, 3);
    await confirm(PER, 1);
    await eventually(
      async () => {
        const records = await database.db("honorarium_records").where({ organization_id: ORG });
        const counted = await database.db("mentor_month_counts").where({ organization_id: ORG, peer_mentor_id: PER }).first();
        return records.length === 3 && counted !== undefined ? true : undefined;
      },
      90_000,
      "the counter's crossings",
    );
  });

  afterAll(async () => {
    await browser?.close();
    await producer?.disconnect();
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
          }),
      ),
    );
    await new Promise<void>((resolve) => (receiver === undefined ? resolve() : receiver.close(() => resolve())));
    await database?.drop();
    if (distDir !== "") rmSync(distDir, { recursive: true, force: true });
    console.log(`axe serious/critical violations per screen: ${JSON.stringify(axeResults)}`);
  });

  it("serves the app same-origin: index for deep links, compressed assets, /trpc proxied", async () => {
    const deep = await fetch(`${portalUrl}/mentors/${KARI}/counts?highlight=x`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<div id="root">');
    expect(deep.headers.get("content-security-policy")).toContain("default-src 'self'");
    const unauthenticated = await fetch(`${portalUrl}/trpc/counts.dashboard`);
    expect(unauthenticated.status).toBe(401);
  });

  it("signs in as the coordinator and shows the dashboard's crossings and who is approaching", async () => {
    const page = await signedIn(await tokenFor(COORDINATOR, ["coordinator"], [SCOPE]));
    const action = page.getByRole("region", { name: "Terskel nådd – handling kreves" });
    await action.getByRole("row").nth(3).waitFor();
    const rows = await action.getByRole("row").allInnerTexts();
    expect(rows.slice(1).map((row) => row.replace(/\s+/g, " "))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${KARI.slice(-8)} Kontorhonorar \\(3\\) \\d{4} 500,00 kr`)),
        expect.stringMatching(new RegExp(`^${KARI.slice(-8)} Høyere sats \\(15\\) \\d{4} 1\\s000,00 kr`)),
        expect.stringMatching(new RegExp(`^${OLA.slice(-8)} Kontorhonorar \\(3\\) \\d{4} 500,00 kr`)),
      ]),
    );
    expect(rows).toHaveLength(4);
    const approaching = page.getByRole("region", { name: "Nærmer seg en terskel" });
    await approaching.getByRole("link", { name: PER.slice(-8) }).waitFor();
    expect(await page.getByRole("navigation").getByRole("link").allInnerTexts()).toEqual([
      "Oversikt",
      "Oppgjør og utbetalinger",
      "Varsler",
    ]);
    await page.getByRole("status").filter({ hasText: "Direkte oppdatering på" }).waitFor();
    await check(page, "dashboard");

    const { reached, interactive } = await keyboardWalk(page);
    expect(reached[0]).toMatch(/^\d+:a:Hopp til innholdet/);
    for (const element of interactive) expect(reached, `reachable by Tab: ${element}`).toContain(element);
    await page.close();
  });

  it("opens the deep link of a real webhook on the mentor's count screen with the milestone highlighted", async () => {
    const higher = await eventually(
      async () => webhooks.find((hook) => hook.data.peerMentorId === KARI && hook.data.tierName === "Høyere sats"),
      60_000,
      "the higher-rate webhook",
    );
    expect(higher.data.deepLink).toBe(`${portalUrl}/mentors/${KARI}/counts?highlight=${higher.data.recordId}`);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, bypassCSP: true });
    // Not signed in yet: the link leads through sign-in and back to the same screen.
    await page.goto(higher.data.deepLink);
    await page.getByRole("heading", { name: "Logg inn" }).waitFor();
    await page.getByLabel("Tilgangsnøkkel (JWT)").fill(await tokenFor(COORDINATOR, ["coordinator"], [SCOPE]));
    await page.getByRole("button", { name: "Logg inn" }).click();
    const marked = page.locator(`[data-record-id="${higher.data.recordId}"]`);
    await marked.waitFor();
    expect(await marked.getAttribute("aria-current")).toBe("true");
    expect(await marked.getAttribute("class")).toContain("highlight");
    expect(await page.locator("li.highlight").count()).toBe(1);
    const bar = page.getByRole("progressbar");
    expect(await bar.getAttribute("aria-valuenow")).toBe("15");
    expect(await bar.getAttribute("aria-valuemax")).toBe("15");
    expect(await bar.getAttribute("aria-valuetext")).toBe("15 av 15 oppdrag til høyere sats");
    expect(await page.getByTestId("period-count").innerText()).toBe("15");
    const history = await page.getByRole("region", { name: "Historikk over terskler" }).getByRole("listitem").allInnerTexts();
    expect(history.map((item) => item.replace(/\s+/g, " "))).toEqual([
      expect.stringMatching(/^Kontorhonorar \(3\) .*Sats 500,00 kr · Skyldig 500,00 kr/),
      expect.stringMatching(/Høyere sats \(15\) .*Sats 1\s500,00 kr · Skyldig 1\s000,00 kr/),
    ]);
    await check(page, "mentor-counts");
    await page.close();
  });

  it("updates an open count screen and dashboard live when a Kafka event is counted", async () => {
    const token = await tokenFor(COORDINATOR, ["coordinator"], [SCOPE]);
    const counts = await signedIn(token, `/mentors/${PER}/counts`);
    const dashboard = await signedIn(token, "/");
    await counts.getByRole("progressbar", { name: "1 av 3 oppdrag til kontorhonorar" }).waitFor();
    await dashboard
      .getByRole("region", { name: "Nærmer seg en terskel" })
      .getByRole("link", { name: PER.slice(-8) })
      .waitFor();
    await Promise.all([
      counts.getByRole("status").filter({ hasText: "Direkte oppdatering på" }).waitFor(),
      dashboard.getByRole("status").filter({ hasText: "Direkte oppdatering på" }).waitFor(),
    ]);
    await confirm(PER, 2);
    // No reload: the subscription invalidates what the pages show.
    await counts.getByRole("progressbar", { name: "3 av 15 oppdrag til høyere sats" }).waitFor();
    await counts.getByRole("region", { name: "Historikk over terskler" }).getByText("Kontorhonorar").waitFor();
    await dashboard
      .getByRole("region", { name: "Terskel nådd – handling kreves" })
      .getByRole("link", { name: PER.slice(-8) })
      .waitFor();
    await counts.close();
    await dashboard.close();
  });

  it("shows a new in-app notification on an open feed without a reload (activity.onChange)", async () => {
    const page = await signedIn(await tokenFor(COORDINATOR, ["coordinator"], [SCOPE]), "/notifications");
    await page.getByRole("status").filter({ hasText: "Direkte oppdatering på" }).waitFor();
    const title = `Ny melding ${randomUUID().slice(0, 8)}`;
    // Any writer is heard: here SQL, as the notifier's feed writes the row.
    await database.db("in_app_notifications").insert({
      organization_id: ORG,
      recipient_id: COORDINATOR,
      kind: "threshold_crossed",
      title,
      body: "Kontorhonorar ved 3 oppdrag",
    });
    await page.getByText(title).waitFor();
    // The coordinator's daily digest of their scope: on, and still on after a reload.
    const digest = page.getByRole("checkbox", { name: /^Daglig oppsummering for / });
    // A controlled checkbox: it shows checked once the API has answered.
    await digest.click();
    await digest.and(page.locator(":checked")).waitFor();
    await eventually(
      async () =>
        (await database.db("notification_digests").where({ user_id: COORDINATOR, scope_id: SCOPE })).length === 1 ? true : undefined,
      10_000,
      "the digest choice",
    );
    await page.reload();
    await page
      .getByRole("checkbox", { name: /^Daglig oppsummering for / })
      .and(page.locator(":checked"))
      .waitFor();
    await page.close();
  });

  it("shows a configuration error at its field, in English when chosen, and the audit log", async () => {
    const page = await signedIn(await tokenFor(ADMIN, ["org_admin"], []), "/admin/thresholds");
    await page.getByRole("heading", { name: "Terskelkonfigurasjon" }).waitFor();
    await page.getByLabel("Språk", { exact: true }).selectOption("en");
    await page.getByRole("heading", { name: "Threshold configuration" }).waitFor();
    // A blank name: zod's error, at the name field.
    await page.getByLabel("Assignments").fill("25");
    await page.getByLabel("Amount").fill("2000.00");
    await page.getByLabel("Order").fill("3");
    await page.getByRole("button", { name: "Save" }).click();
    const nameError = page.locator('[data-field-error="cfg-name"]');
    await nameError.waitFor();
    expect(await nameError.innerText()).toContain("name_not_blank");
    expect(await page.getByLabel("Name").getAttribute("aria-invalid")).toBe("true");
    // A tier count the organisation already has: spec 002's unique rule, at the count field.
    await page.getByLabel("Name").fill("Ekstra");
    await page.getByLabel("Assignments").fill("15");
    await page.getByLabel("Effective from").fill("2099-01-01T00:00");
    await page.getByRole("button", { name: "Save" }).click();
    const countError = page.locator('[data-field-error="cfg-thresholdCount"]');
    await countError.waitFor();
    expect(await countError.innerText()).toContain("threshold_count 15 already exists");
    expect(await page.getByLabel("Assignments").getAttribute("aria-describedby")).toBe("cfg-thresholdCount-error");
    expect(await page.locator('[data-field-error="cfg-name"]').count()).toBe(0);
    await check(page, "thresholds-error");
    // A valid tier is saved and audited.
    await page.getByLabel("Assignments").fill("25");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("status").getByText("Saved.").waitFor();
    await page.getByRole("region", { name: "Audit log" }).getByRole("cell", { name: "create" }).waitFor();
    await check(page, "thresholds");
    await page.close();
  });

  it("signs in as a peer mentor: only their own count screen", async () => {
    const token = await tokenFor(OLA, ["peer_mentor"], [SCOPE]);
    const page = await signedIn(token);
    await page.waitForURL(`${portalUrl}/mentors/${OLA}/counts`);
    await page.getByRole("progressbar", { name: "3 av 15 oppdrag til høyere sats" }).waitFor();
    expect(await page.getByRole("navigation").getByRole("link").allInnerTexts()).toEqual(["Mine oppdrag", "Varsler"]);
    await check(page, "mentor-own");
    await page.goto(`${portalUrl}/mentors/${KARI}/counts`);
    await page.getByRole("heading", { name: "Du har ikke tilgang til denne siden." }).waitFor();
    expect(await page.getByRole("progressbar").count()).toBe(0);
    await page.goto(`${portalUrl}/`);
    await page.waitForURL(`${portalUrl}/mentors/${OLA}/counts`);
    // And the API itself refuses, whatever the screen does.
    const status = await page.evaluate(
      async ([id, bearer]) =>
        (
          await fetch(`/trpc/counts.forMentor?input=${encodeURIComponent(JSON.stringify({ peerMentorId: id }))}`, {
            headers: { authorization: `Bearer ${bearer}` },
          })
        ).status,
      [KARI, token] as const,
    );
    expect([403, 404]).toContain(status);
    await page.close();
  });

  it("lists a crossing flagged by a cancellation and lets the coordinator resolve it", async () => {
    const page = await signedIn(await tokenFor(COORDINATOR, ["coordinator"], [SCOPE]));
    const flagged = page.getByRole("region", { name: "Flagget for gjennomgang" });
    await flagged.getByText("Ingen.").waitFor();
    await producer.send({
      topic: CANCELLED,
      acks: -1,
      messages: [
        {
          key: KARI,
          value: JSON.stringify({
            eventId: randomUUID(),
            assignmentId: assignments.get(KARI)?.at(-1),
            peerMentorId: KARI,
            organizationId: ORG,
            cancelledAt: new Date(clock + 1000).toISOString(),
          }),
        },
      ],
    });
    // Live: the cancellation's count change brings the flag onto the open dashboard.
    await flagged.getByRole("link", { name: KARI.slice(-8) }).waitFor();
    expect(await flagged.getByRole("row").allInnerTexts()).toEqual([expect.any(String), expect.stringContaining("Høyere sats (15)")]);
    await check(page, "dashboard-flagged");
    await flagged.getByRole("button", { name: "Avklar" }).click();
    await flagged.getByRole("alert").filter({ hasText: "say how the review was resolved" }).waitFor();
    await flagged.getByPlaceholder("Hvordan det ble avklart").fill("Avlyst oppdrag, satsen står ved lag");
    await flagged.getByRole("button", { name: "Avklar" }).click();
    await flagged.getByText("Ingen.").waitFor();
    await page.close();
  });

  it("every other screen passes axe with no serious or critical violation", async () => {
    const admin = await signedIn(await tokenFor(ADMIN, ["org_admin"], []), "/statements");
    const statement = admin.getByRole("region", { name: "Oppgjør for en periode" });
    await statement.getByRole("link", { name: KARI.slice(-8) }).waitFor();
    // The statement's CSV comes through /files with the Bearer token.
    const [csv] = await Promise.all([admin.waitForEvent("download"), statement.getByRole("button", { name: "Last ned CSV" }).click()]);
    expect(csv.suggestedFilename()).toMatch(/\.csv$/);
    expect(readFileSync(await csv.path(), "utf8")).toContain(KARI);
    // Everything outstanding into a payout batch, then paid with the payroll's reference.
    const payouts = admin.getByRole("region", { name: "Utbetalingsbunker" });
    await payouts.getByRole("button", { name: /^Lag bunke av alt utestående/ }).click();
    await payouts.getByRole("cell", { name: "Under utbetaling" }).waitFor();
    await check(admin, "statements");
    await payouts.getByPlaceholder("Betalingsreferanse").fill("LONN-2026-12");
    // Paid today on the runner's clock (the services share it), in the organisation's zone.
    await payouts.getByLabel(/^Betalt dato/).fill(new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Oslo" }).format(new Date()));
    await payouts.getByRole("button", { name: "Merk som betalt" }).click();
    await payouts.getByRole("cell", { name: "Betalt", exact: true }).waitFor();
    await admin.getByRole("link", { name: "Innstillinger" }).click();
    await admin.getByLabel("Tidssone").waitFor();
    await check(admin, "settings");
    await admin.getByRole("link", { name: "Bufdir-rapport" }).click();
    await admin
      .getByRole("region", { name: /^Bufdir-rapport \d{4}$/ })
      .getByText("Aktive likepersoner")
      .waitFor();
    await check(admin, "bufdir");
    await admin.getByRole("link", { name: "Varsler" }).click();
    await admin.getByLabel("Webhook-adresse (https)").waitFor();
    await check(admin, "webhook");
    await admin.close();
    // The coordinator's in-app feed: one notification per crossing, each with the deep link.
    const coordinator = await signedIn(await tokenFor(COORDINATOR, ["coordinator"], [SCOPE]), "/notifications");
    await coordinator.getByRole("region", { name: "Varsler" }).getByRole("link", { name: "Åpne" }).first().waitFor();
    await check(coordinator, "notifications");
    await coordinator.close();
    const signIn = await browser.newPage({ viewport: { width: 1200, height: 700 }, bypassCSP: true });
    await signIn.goto(`${portalUrl}/sign-in`);
    await signIn.getByRole("heading", { name: "Logg inn" }).waitFor();
    await check(signIn, "sign-in");
    await signIn.close();
  });

  it("turns push on and off on the feed: /sw.js registers and activates under the CSP, the subscription reaches the API", async () => {
    const sw = await fetch(`${portalUrl}/sw.js`);
    expect(sw.status).toBe(200);
    expect(sw.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    // Revalidated, never cached for a year: a new worker must reach browsers.
    expect(sw.headers.get("cache-control")).toBe("no-cache");
    expect(sw.headers.get("content-security-policy")).toContain("worker-src 'self'");
    expect(await sw.text()).toContain("notificationclick");

    // The portal's own CSP applies here (no bypassCSP): the registration must pass it.
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    await context.grantPermissions(["notifications"], { origin: portalUrl });
    // Headless chromium offline reaches no push service, so PushManager.subscribe cannot succeed
    // here; this page's PushManager stands in for it and keeps what it was asked for. Everything
    // else is real: the worker, the permission, push.subscribe / unsubscribe and the database.
    await context.addInitScript(() => {
      const endpoint = `https://push.example.net/send/${crypto.randomUUID()}`;
      let current: PushSubscription | null = null;
      const seen: { userVisibleOnly: boolean | undefined; key: string }[] = [];
      (window as unknown as { pushRequests: typeof seen }).pushRequests = seen;
      PushManager.prototype.getSubscription = () => Promise.resolve(current);
      PushManager.prototype.subscribe = (options?: PushSubscriptionOptionsInit) => {
        const key = options?.applicationServerKey;
        const bytes = key instanceof Uint8Array ? Uint8Array.from(key) : new Uint8Array(0);
        seen.push({ userVisibleOnly: options?.userVisibleOnly, key: btoa(String.fromCharCode(...bytes)) });
        const subscription = {
          endpoint,
          expirationTime: null,
          options: { userVisibleOnly: true, applicationServerKey: bytes.buffer },
          getKey: () => null,
          toJSON: () => ({ endpoint, expirationTime: null, keys: { p256dh: `B${"A".repeat(86)}`, auth: "QUFBQUFBQUFBQUFBQUFBQQ" } }),
          unsubscribe: () => {
            current = null;
            return Promise.resolve(true);
          },
        };
        current = subscription as unknown as PushSubscription;
        return Promise.resolve(current);
      };
    });
    const page = await context.newPage();
    page.on("pageerror", (error) => {
      throw error;
    });
    const token = await tokenFor(COORDINATOR, ["coordinator"], [SCOPE]);
    await page.goto(`${portalUrl}/sign-in?next=${encodeURIComponent("/notifications")}#token=${token}`);
    const push = page.getByRole("region", { name: "Push-varsler" });
    await push.getByRole("status").filter({ hasText: "Push-varsler er av i denne nettleseren." }).waitFor();
    // Nothing is registered before the user asks.
    expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration("/")) === undefined)).toBe(true);

    await push.getByRole("button", { name: "Slå på push-varsler" }).click();
    const on = push.getByRole("status").filter({ hasText: "Push-varsler er på i denne nettleseren." });
    // A failure (the worker refused, the API said no) shows as an alert: fail on it, with its words.
    await on.or(push.getByRole("alert")).waitFor();
    expect(await push.getByRole("alert").allInnerTexts()).toEqual([]);
    await push.getByRole("button", { name: "Slå av push-varsler" }).waitFor();
    const requests = await page.evaluate(
      () => (window as unknown as { pushRequests: { userVisibleOnly: boolean; key: string }[] }).pushRequests,
    );
    expect(requests).toEqual([{ userVisibleOnly: true, key: Buffer.from(VAPID_PUBLIC_KEY, "base64url").toString("base64") }]);
    const worker = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration("/");
      const active = registration?.active ?? null;
      if (active !== null && active.state !== "activated")
        await new Promise<void>((resolve) => active.addEventListener("statechange", () => active.state === "activated" && resolve()));
      return { scope: registration?.scope, script: active?.scriptURL, state: active?.state, permission: Notification.permission };
    });
    expect(worker).toEqual({ scope: `${portalUrl}/`, script: `${portalUrl}/sw.js`, state: "activated", permission: "granted" });
    const stored = await database.db("push_subscriptions").where({ user_id: COORDINATOR });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ organization_id: ORG, p256dh: `B${"A".repeat(86)}`, auth: "QUFBQUFBQUFBQUFBQUFBQQ" });
    expect(String(stored[0]?.endpoint)).toMatch(/^https:\/\/push\.example\.net\/send\//);

    await push.getByRole("button", { name: "Slå av push-varsler" }).click();
    await push.getByRole("status").filter({ hasText: "Push-varsler er av i denne nettleseren." }).waitFor();
    expect(await database.db("push_subscriptions").where({ user_id: COORDINATOR })).toEqual([]);
    await context.close();

    // Permission not granted: headless chromium answers the prompt with "denied"; the section says
    // how to allow notifications and offers no button that could not work.
    const refusing = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const refused = await refusing.newPage();
    await refused.goto(`${portalUrl}/sign-in?next=${encodeURIComponent("/notifications")}#token=${token}`);
    const blocked = refused.getByRole("region", { name: "Push-varsler" });
    await blocked.getByRole("button", { name: "Slå på push-varsler" }).click();
    await blocked
      .getByRole("status")
      .filter({ hasText: /^Nettleseren blokkerer varsler fra denne siden/ })
      .waitFor();
    expect(await blocked.getByRole("button").count()).toBe(0);
    expect(await database.db("push_subscriptions").where({ user_id: COORDINATOR })).toEqual([]);
    await refusing.close();

    // An installation without VAPID keys: the state is said, there is no button.
    const noKey = await browser.newPage({ viewport: { width: 1200, height: 900 }, bypassCSP: true });
    noKey.on("pageerror", (error) => {
      throw error;
    });
    await noKey.goto(`${noKeyPortalUrl}/sign-in?next=${encodeURIComponent("/notifications")}#token=${token}`);
    const none = noKey.getByRole("region", { name: "Push-varsler" });
    await none
      .getByRole("status")
      .filter({ hasText: /^Push-varsler er ikke satt opp på denne installasjonen/ })
      .waitFor();
    expect(await none.getByRole("button").count()).toBe(0);
    await noKey.getByRole("region", { name: "Varsler", exact: true }).getByRole("link", { name: "Åpne" }).first().waitFor();
    await check(noKey, "notifications-no-push-key");
    await noKey.close();
  });
});

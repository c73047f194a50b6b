// Development sign-in links for the demo's coordinator, administrator and peer mentor (npm run up).
// Each link carries a short-lived HS256 token in the URL fragment, which browsers never send to a
// server. Refuses in production: there, users sign in through the organisation's identity
// provider (tokens verified by the query API through AUTH_JWKS_URL).
import { z } from "zod";
import { SignJWT } from "jose";
import { envVar, loadEnv } from "@honorarium/shared";
import { loadQueryApiConfig } from "@honorarium/query-api/config";
import { DEMO } from "./demo-config.ts";

const env = loadEnv(
  z.object({
    NODE_ENV: z.string().default("development"),
    PORTAL_BASE_URL: envVar.url("http://127.0.0.1:3000"),
    DEV_TOKEN_TTL: z
      .string()
      .regex(/^\d+[smhd]$/, "a duration such as 12h")
      .default("12h"),
  }),
);
if (env.NODE_ENV === "production") {
  console.error("no development sign-in links in production");
  process.exit(1);
}
const api = loadQueryApiConfig();
if (api.AUTH_JWT_SECRET === undefined) {
  console.error("development sign-in links need AUTH_JWT_SECRET (HS256)");
  process.exit(1);
}
const secret = new TextEncoder().encode(api.AUTH_JWT_SECRET);
const base = env.PORTAL_BASE_URL.replace(/\/+$/, "");

const people = [
  { who: "coordinator", sub: DEMO.coordinatorId, roles: ["coordinator"], scopes: [DEMO.scopeId] },
  { who: "administrator", sub: DEMO.adminId, roles: ["org_admin"], scopes: [] },
  { who: "peer mentor (Kari)", sub: DEMO.mentors.kari, roles: ["peer_mentor"], scopes: [DEMO.scopeId] },
];
for (const person of people) {
  const token = await new SignJWT({ org: DEMO.organizationId, roles: person.roles, scopes: person.scopes })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(person.sub)
    .setIssuer(api.AUTH_ISSUER)
    .setAudience(api.AUTH_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(env.DEV_TOKEN_TTL)
    .sign(secret);
  console.log(`sign in as the ${person.who}: ${base}/sign-in#token=${token}`);
}

import { fileURLToPath } from "node:url";
import { envVar, loadEnv } from "@honorarium/shared";
import { z } from "zod";

/** The built app (vite build writes it here). */
export const DEFAULT_DIST_DIR = fileURLToPath(new URL("../dist/web", import.meta.url));

export const portalEnvSchema = z.object({
  LOG_LEVEL: envVar.logLevel(),
  /** Where the portal listens. */
  PORTAL_PORT: envVar.port(3000),
  PORTAL_HOST: z.string().min(1).default("127.0.0.1"),
  /** The query API the portal proxies /trpc and /files to (server to server, so the browser stays same-origin). */
  PORTAL_API_URL: envVar.url("http://127.0.0.1:4000"),
  /** The built files to serve. */
  PORTAL_DIST_DIR: z.string().min(1).default(DEFAULT_DIST_DIR),
});

export type PortalConfig = z.infer<typeof portalEnvSchema>;

export function loadPortalConfig(source: Record<string, string | undefined> = process.env): PortalConfig {
  return loadEnv(portalEnvSchema, source);
}

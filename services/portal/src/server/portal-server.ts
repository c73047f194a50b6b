import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { type IncomingMessage, type Server, type ServerResponse, createServer, request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { extname, join, normalize, sep } from "node:path";
import { promisify } from "node:util";
import { brotliCompress, constants as zlibConstants, gzip } from "node:zlib";
import { createLogger } from "@honorarium/shared";
import { createShutdown } from "@honorarium/shared/infra";
import type { Logger } from "pino";
import type { PortalConfig } from "../config.ts";

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".txt": "text/plain; charset=utf-8",
};
const COMPRESSIBLE = new Set([".html", ".js", ".css", ".svg", ".json", ".webmanifest", ".txt"]);
/** Paths the query API answers; everything else is the app. */
const PROXIED = /^\/(trpc|files)(\/|$)/;
/** Hop-by-hop headers (RFC 9110 §7.6.1) never travel through a proxy. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"]);

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=()",
};

interface CachedFile {
  body: Buffer;
  br?: Buffer;
  gzip?: Buffer;
}

export interface PortalServer {
  server: Server;
  url: string;
  stop(): Promise<void>;
}

/**
 * The portal's server: the built files (hashed assets cached for a year, index.html revalidated, an
 * unknown path answered with index.html so deep links work) and a streaming proxy of /trpc (batched
 * HTTP and SSE) and /files to the query API. The browser talks to one origin, so no CORS is needed.
 */
export async function createPortalServer(config: PortalConfig, logger: Logger): Promise<PortalServer> {
  const root = normalize(config.PORTAL_DIST_DIR);
  const api = new URL(config.PORTAL_API_URL);
  const cache = new Map<string, CachedFile>();

  async function load(path: string): Promise<CachedFile | undefined> {
    const hit = cache.get(path);
    if (hit !== undefined) return hit;
    const info = await stat(path).catch(() => undefined);
    if (info === undefined || !info.isFile()) return undefined;
    const body = await readFile(path);
    const file: CachedFile = { body };
    if (COMPRESSIBLE.has(extname(path)) && body.length > 512) {
      file.br = await brotli(body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } });
      file.gzip = await gzipAsync(body, { level: 9 });
    }
    cache.set(path, file);
    return file;
  }

  async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    const decoded = decodeURIComponent(pathname);
    const candidate = normalize(join(root, decoded));
    const inside = candidate === root || candidate.startsWith(root + sep);
    const isAsset = inside && extname(decoded) !== "";
    let path = isAsset ? candidate : join(root, "index.html");
    let file = await load(path);
    if (file === undefined && isAsset) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8", ...SECURITY_HEADERS }).end("not found");
      return;
    }
    if (file === undefined) {
      path = join(root, "index.html");
      file = await load(path);
    }
    if (file === undefined) {
      res.writeHead(503, { "content-type": "text/plain; charset=utf-8" }).end("the portal is not built (npm run build -w services/portal)");
      return;
    }
    const accepts = String(req.headers["accept-encoding"] ?? "");
    const headers: Record<string, string> = {
      "content-type": TYPES[extname(path)] ?? "application/octet-stream",
      "cache-control": path.includes(`${sep}assets${sep}`) ? "public, max-age=31536000, immutable" : "no-cache",
      vary: "accept-encoding",
      ...SECURITY_HEADERS,
    };
    let body = file.body;
    if (file.br !== undefined && /\bbr\b/.test(accepts)) {
      body = file.br;
      headers["content-encoding"] = "br";
    } else if (file.gzip !== undefined && /\bgzip\b/.test(accepts)) {
      body = file.gzip;
      headers["content-encoding"] = "gzip";
    }
    headers["content-length"] = String(body.length);
    res.writeHead(200, headers);
    res.end(req.method === "HEAD" ? undefined : body);
  }

  function proxy(req: IncomingMessage, res: ServerResponse): void {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name) || name === "host") continue;
      // Server to server: the browser's origin is this portal's own, which the API need not know.
      if (name === "origin" || name === "referer") continue;
      headers[name] = value;
    }
    headers["x-forwarded-proto"] = "http";
    if (req.socket.remoteAddress !== undefined) headers["x-forwarded-for"] = req.socket.remoteAddress;
    const send = api.protocol === "https:" ? httpsRequest : httpRequest;
    const upstream = send(
      { protocol: api.protocol, hostname: api.hostname, port: api.port, method: req.method, path: req.url, headers },
      (answer) => {
        const out: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(answer.headers)) {
          if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
        }
        res.writeHead(answer.statusCode ?? 502, out);
        // SSE: every chunk goes out as it comes.
        res.flushHeaders();
        answer.pipe(res);
      },
    );
    upstream.on("error", (error) => {
      logger.warn({ err: error, path: req.url?.split("?")[0] }, "query API unreachable");
      if (!res.headersSent)
        res.writeHead(502, { "content-type": "application/json" }).end(JSON.stringify({ error: "query API unreachable" }));
      else res.destroy();
    });
    res.on("close", () => upstream.destroy());
    req.pipe(upstream);
  }

  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? "/", "http://portal").pathname;
    if (PROXIED.test(pathname)) return proxy(req, res);
    if (pathname === "/healthz") return void res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
    if (pathname === "/readyz") {
      const built = existsSync(join(root, "index.html"));
      return void res.writeHead(built ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify({ built }));
    }
    serveStatic(req, res, pathname).catch((error: unknown) => {
      logger.error({ err: error }, "static file failed");
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.PORTAL_PORT, config.PORTAL_HOST, resolve);
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : config.PORTAL_PORT;
  logger.info({ port, api: api.origin, built: existsSync(join(root, "index.html")) }, "portal listening");
  return {
    server,
    url: `http://${config.PORTAL_HOST}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open SSE streams would hold close() forever.
        server.closeAllConnections();
      }),
  };
}

/** The composition root: logger, server, graceful stop on SIGTERM. */
export async function startPortal(config: PortalConfig): Promise<void> {
  const logger = createLogger("portal", config.LOG_LEVEL);
  const shutdown = createShutdown(logger);
  const portal = await createPortalServer(config, logger);
  shutdown.register("http", () => portal.stop());
  shutdown.installSignalHandlers();
}

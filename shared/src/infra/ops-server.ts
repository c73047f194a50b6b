import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { Logger } from "pino";

/** A named readiness check: resolves true when the dependency answers. */
export type ReadinessCheck = () => Promise<boolean>;

export interface OpsServerOptions {
  port: number;
  host?: string;
  registry: Registry;
  logger: Logger;
  /** Checks behind /readyz; /healthz only says the process is alive. */
  readiness: Record<string, ReadinessCheck>;
}

export interface OpsServer {
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 2000;

async function runCheck(check: ReadinessCheck): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A tiny HTTP server for /metrics, /healthz and /readyz beside each service. */
export function createOpsServer(options: OpsServerOptions): OpsServer {
  let server: Server | undefined;

  async function readiness(): Promise<{ ready: boolean; checks: Record<string, boolean> }> {
    const names = Object.keys(options.readiness);
    const results = await Promise.all(names.map((name) => runCheck(options.readiness[name] as ReadinessCheck)));
    const checks = Object.fromEntries(names.map((name, i) => [name, results[i] === true]));
    return { ready: results.every(Boolean), checks };
  }

  return {
    async start() {
      server = createServer((req, res) => {
        const path = (req.url ?? "/").split("?")[0];
        const reply = (status: number, body: string, type = "application/json") => {
          res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
          res.end(body);
        };
        if (req.method !== "GET" && req.method !== "HEAD") return reply(405, JSON.stringify({ error: "method not allowed" }));
        if (path === "/healthz") return reply(200, JSON.stringify({ status: "ok" }));
        if (path === "/readyz") {
          readiness()
            .then(({ ready, checks }) => reply(ready ? 200 : 503, JSON.stringify({ status: ready ? "ready" : "not ready", checks })))
            .catch(() => reply(503, JSON.stringify({ status: "not ready" })));
          return;
        }
        if (path === "/metrics") {
          options.registry
            .metrics()
            .then((text) => reply(200, text, options.registry.contentType))
            .catch((error: unknown) => {
              options.logger.error({ err: error }, "metrics collection failed");
              reply(500, JSON.stringify({ error: "metrics unavailable" }));
            });
          return;
        }
        reply(404, JSON.stringify({ error: "not found" }));
      });
      const listening = server;
      await new Promise<void>((resolve, reject) => {
        listening.once("error", (error: NodeJS.ErrnoException) => {
          reject(
            error.code === "EADDRINUSE"
              ? new Error(`port ${options.port} is already taken by another program (ops server for /metrics, /healthz, /readyz)`)
              : error,
          );
        });
        listening.listen(options.port, options.host ?? "0.0.0.0", () => resolve());
      });
      return { port: (listening.address() as AddressInfo).port };
    },
    async stop() {
      const running = server;
      server = undefined;
      if (running === undefined) return;
      running.closeAllConnections();
      await new Promise<void>((resolve) => running.close(() => resolve()));
    },
  };
}

/** The three services as child processes (killable, restartable), and the coordinators' webhook receiver. */
import type { ChildProcess } from "node:child_process";
import type { ServiceName } from "@honorarium/shared/runtime";
import { spawnService } from "@honorarium/shared/testing";
import { createWriteStream, readFileSync, type WriteStream } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";

export interface ServiceSpec {
  /** Started as production starts it: its entry and Node flags come from shared/src/runtime/node-flags.ts. */
  name: ServiceName;
  env: Record<string, string>;
  port: number;
  /** One of several instances of the service (scale-out runs): names its log and its events. */
  instance?: number;
}

export interface ServiceEvent {
  /** The service's label: its name, with the instance number when there are several. */
  service: string;
  at: number;
  what: "started" | "killed" | "exited";
  detail: string;
}

/** Runs one service; an exit that the harness did not cause is logged and the service restarted (as a supervisor would). */
export class ServiceProcess {
  readonly spec: ServiceSpec;
  child: ChildProcess | undefined;
  private readonly log: WriteStream;
  private expectingExit = false;
  private stopping = false;
  private readonly onEvent: (event: ServiceEvent) => void;
  constructor(spec: ServiceSpec, logDir: string, onEvent: (event: ServiceEvent) => void) {
    this.spec = spec;
    this.onEvent = onEvent;
    this.log = createWriteStream(join(logDir, `${this.label}.log`), { flags: "a" });
  }

  get label(): string {
    return this.spec.instance === undefined ? this.spec.name : `${this.spec.name}-${this.spec.instance}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    const child = spawnService(this.spec.name, { env: this.spec.env });
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    this.child = child;
    this.onEvent({ service: this.label, at: Date.now(), what: "started", detail: `pid ${child.pid}` });
    child.once("exit", (code, signal) => {
      if (this.expectingExit || this.stopping) return;
      this.onEvent({ service: this.label, at: Date.now(), what: "exited", detail: `unexpected exit code ${code} signal ${signal}` });
      setTimeout(() => {
        if (!this.stopping) this.start();
      }, 1000);
    });
  }

  async ready(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        if ((await fetch(`http://127.0.0.1:${this.spec.port}/readyz`, { signal: AbortSignal.timeout(2000) })).ok) return;
      } catch {
        // not yet
      }
      await sleep(250);
    }
    throw new Error(`${this.label} not ready after ${timeoutMs} ms; see its log`);
  }

  /** SIGKILL and wait for the exit; the caller starts it again. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null) return;
    this.expectingExit = true;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    this.onEvent({ service: this.label, at: Date.now(), what: "killed", detail: `SIGKILL pid ${child.pid}` });
    this.expectingExit = false;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  }

  rssMb(): number | undefined {
    const pid = this.child?.pid;
    if (pid === undefined) return undefined;
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      return match ? Number(match[1]) / 1024 : undefined;
    } catch {
      return undefined;
    }
  }
}

export interface WebhookReceipt {
  webhookId: string;
  at: number;
  recordId: string;
  eventId: string;
  data: Record<string, unknown>;
}

/** Records every POST (webhook-id, receipt time, payload); verifies the Standard Webhooks signature. */
export async function startReceiver(port: number, secrets: string[]) {
  const verifiers = secrets.map((secret) => new Webhook(secret));
  const receipts: WebhookReceipt[] = [];
  let badSignatures = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const at = Date.now();
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      let payload: { data?: Record<string, unknown> } | undefined;
      for (const verifier of verifiers) {
        try {
          payload = verifier.verify(body, headers) as { data?: Record<string, unknown> };
          break;
        } catch {
          // another organization's secret
        }
      }
      if (payload === undefined) {
        badSignatures += 1;
        res.writeHead(400).end();
        return;
      }
      const data = payload.data ?? {};
      receipts.push({ webhookId: headers["webhook-id"] ?? "", at, recordId: String(data.recordId), eventId: String(data.eventId), data });
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    receipts,
    badSignatures: () => badSignatures,
    distinctRecords: () => new Set(receipts.map((r) => r.recordId)).size,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

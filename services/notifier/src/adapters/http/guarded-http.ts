import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { type AllowedHostPort, checkOutboundTarget, isForbiddenAddress } from "@honorarium/shared/domain";

/** The SSRF guard refused the target; never worth a retry. */
export class TargetRejectedError extends Error {
  constructor(reason: string) {
    super(`target rejected: ${reason}`);
    this.name = "TargetRejectedError";
  }
}

export interface GuardedHttpOptions {
  /** host:port targets allowed over http and on private addresses (e.g. 127.0.0.1:* in tests). */
  allowHosts: readonly AllowedHostPort[];
  timeoutMs: number;
}

export interface GuardedHttp {
  /** POSTs and resolves with the status; rejects on a network error, timeout or a rejected target. */
  post(url: string, headers: Record<string, string>, body: Buffer | string | null): Promise<number>;
  close(): void;
}

/**
 * Resolves like dns.lookup, but fails when any address is private, loopback or link-local.
 * Checking at connect time (not before) means DNS rebinding between check and connect cannot
 * slip past: the connection uses exactly the addresses checked here.
 */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error !== null) return callback(error, "", 0);
    if (addresses.length === 0 || addresses.some((entry) => isForbiddenAddress(entry.address))) {
      return callback(new TargetRejectedError("host resolves to a private, loopback or link-local address"), "", 0);
    }
    if (options.all === true) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    const first = addresses[0] as LookupAddress;
    callback(null, first.address, first.family);
  });
};

/** Outgoing POSTs to URLs that organization admins and browsers chose: the SSRF vector. */
export function createGuardedHttp(options: GuardedHttpOptions): GuardedHttp {
  const agents = {
    "http:": new HttpAgent({ keepAlive: true, maxSockets: 64 }),
    "https:": new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
  };
  return {
    post(url, headers, body) {
      const verdict = checkOutboundTarget(url, options.allowHosts);
      if (!verdict.allowed) return Promise.reject(new TargetRejectedError(verdict.reason));
      const target = verdict.url;
      const send = target.protocol === "https:" ? httpsRequest : httpRequest;
      return new Promise<number>((resolve, reject) => {
        const request = send(
          target,
          {
            method: "POST",
            headers: { ...headers, ...(body === null ? {} : { "content-length": String(Buffer.byteLength(body)) }) },
            agent: agents[target.protocol as "http:" | "https:"],
            lookup: verdict.allowListed ? undefined : guardedLookup,
            signal: AbortSignal.timeout(options.timeoutMs),
          },
          (response: IncomingMessage) => {
            // The body is not needed; drain it so the socket can be reused.
            response.resume();
            response.once("end", () => resolve(response.statusCode ?? 0));
            response.once("error", reject);
          },
        );
        request.once("error", reject);
        request.end(body ?? undefined);
      });
    },
    close() {
      agents["http:"].destroy();
      agents["https:"].destroy();
    },
  };
}

/** A short, secret-free description of a send error for logs and notification_attempts.error. */
export function describeSendError(error: unknown): string {
  if (error instanceof TargetRejectedError) return error.message;
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (error.name === "TimeoutError" || error.name === "AbortError") return "timed out";
    return code !== undefined ? `network error ${code}` : `${error.name}: ${error.message}`.slice(0, 300);
  }
  return "unknown error";
}

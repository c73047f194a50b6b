import { isIP } from "node:net";
import { DomainError } from "./errors.ts";

function isPrivateIpv4(host: string): boolean {
  const parts = host.split(".").map(Number);
  const [a = -1, b = -1] = parts;
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    a >= 224
  );
}

function isPrivateIpv6(host: string): boolean {
  const h = host.toLowerCase();
  return h === "::" || h === "::1" || h.startsWith("fc") || h.startsWith("fd") || h.startsWith("fe80") || h.startsWith("::ffff:");
}

/**
 * SSRF guard for organization webhooks (DESIGN.md "Security"): https only, no credentials in the
 * URL, no loopback, private or link-local literal addresses and no `localhost`, unless the host is
 * on the operator's allow-list (tests allow 127.0.0.1). Names are resolved again by the notifier
 * at delivery time; this check refuses what is wrong on its face.
 */
export function checkWebhookUrl(raw: string, allowHosts: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DomainError("invalid", "the webhook URL is not a valid URL", { rule: "webhook_url" });
  }
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const allowed = allowHosts.includes(host) || allowHosts.includes(url.host.toLowerCase());
  if (url.username !== "" || url.password !== "")
    throw new DomainError("invalid", "the webhook URL must not carry credentials", { rule: "webhook_url" });
  if (url.protocol !== "https:" && !(url.protocol === "http:" && allowed)) {
    throw new DomainError("invalid", "the webhook URL must use https", { rule: "webhook_url" });
  }
  if (!allowed) {
    const family = isIP(host);
    const internal =
      host === "localhost" ||
      host.endsWith(".localhost") ||
      host.endsWith(".internal") ||
      (family === 4 && isPrivateIpv4(host)) ||
      (family === 6 && isPrivateIpv6(host));
    if (internal)
      throw new DomainError("invalid", "the webhook URL points at a private, loopback or link-local address", { rule: "webhook_url" });
  }
  return url;
}

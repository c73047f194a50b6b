import ipaddr from "ipaddr.js";

/**
 * What an outbound target (an organisation's webhook URL, a browser's Web Push endpoint) may be.
 * One module for both sides of the SSRF guard (DESIGN.md "Security"): the query API checks a URL
 * when it is stored (webhooks.set, push.subscribe) and the notifier checks it again before
 * sending and checks every address DNS returns at connect time. When the two disagreed, admins got
 * 200 for URLs that then failed on every delivery.
 *
 * Addresses are classified with ipaddr.js (its ranges follow the IANA special-purpose registries)
 * rather than by hand-written string prefixes, which missed IPv6 spellings of IPv4 addresses.
 */

/** One entry of an allow-list (`NOTIFIER_WEBHOOK_ALLOW_HOSTS`, `QUERY_API_WEBHOOK_ALLOW_HOSTS`). */
export interface AllowedHostPort {
  /** Lower case, no brackets around IPv6, no trailing dot. */
  host: string;
  /** A port, or "*" for any port (tests whose receivers listen on ephemeral ports). */
  port: number | "*";
}

/**
 * `host:port` entries (`127.0.0.1:8080`, `[::1]:8080`, `hooks.local:443`, `127.0.0.1:*`). A host
 * without a port is refused: allowing 127.0.0.1 for a local receiver must not also allow the Redis
 * or PostgreSQL on the same host.
 */
export function parseAllowedHostPort(entry: string): AllowedHostPort | { error: string } {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]\s]+):(\*|\d{1,5})$/i.exec(entry.trim());
  if (match === null) return { error: "an entry is not host:port (use host:* to allow any port)" };
  const host = normalizeHost(match[1] ?? "");
  const port = match[2] === "*" ? "*" : Number(match[2]);
  if (port !== "*" && (port < 1 || port > 65_535)) return { error: "an entry has no valid port (1-65535 or *)" };
  if (host === "") return { error: "an entry names no host" };
  return { host, port };
}

/** Lower case, without IPv6 brackets or a trailing dot (`localhost.` is `localhost`); IPv6 in its canonical form. */
export function normalizeHost(host: string): string {
  const bare = host
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();
  return ipaddr.IPv6.isValid(bare) && bare.includes(":") ? ipaddr.IPv6.parse(bare).toString() : bare;
}

// IPv6 ranges that carry an IPv4 address in their last 32 bits: the IPv4 address decides.
// ::/96 (IPv4-compatible, deprecated but still routed to the IPv4 host by some stacks),
// ::ffff:0:0/96 (IPv4-mapped), 64:ff9b::/96 (NAT64 well-known prefix).
const EMBEDDING_V4 = [ipaddr.parseCIDR("::/96"), ipaddr.parseCIDR("::ffff:0:0/96"), ipaddr.parseCIDR("64:ff9b::/96")] as const;

/**
 * True for an address outside the public internet, and for anything that is not an IP address.
 * Public means ipaddr.js classifies it as plain `unicast`: private, loopback, link-local (cloud
 * metadata at 169.254.169.254), carrier-grade NAT, benchmarking (198.18/15), IETF protocol
 * assignments (192.0.0/24), documentation, multicast, site-local (fec0::/10), unique-local,
 * 6to4, Teredo, the local-use NAT64 prefix and every other special range are refused.
 */
export function isForbiddenAddress(address: string): boolean {
  const text = address.replace(/^\[|\]$/g, "");
  if (!ipaddr.isValid(text)) return true;
  // isValid also accepts the legacy forms "127.1" and "0x7f000001"; only the four-part form is an address here.
  if (!text.includes(":") && !ipaddr.IPv4.isValidFourPartDecimal(text)) return true;
  const parsed = ipaddr.parse(text);
  if (parsed.kind() === "ipv6") {
    const v6 = parsed as ipaddr.IPv6;
    if (EMBEDDING_V4.some((range) => v6.match(range))) {
      const bytes = v6.toByteArray().slice(12);
      return isForbiddenAddress(bytes.join("."));
    }
    return v6.range() !== "unicast";
  }
  return parsed.range() !== "unicast";
}

/** Names that only ever mean a machine inside the network (RFC 6761, 6762, 8375 and common practice). */
function isInternalName(host: string): boolean {
  if (!host.includes(".")) return true; // one label: resolved through a search domain, i.e. internally
  return (
    host === "localhost" ||
    [".localhost", ".local", ".internal", ".home.arpa", ".localdomain", ".lan"].some((suffix) => host.endsWith(suffix))
  );
}

export type OutboundTargetVerdict =
  | { allowed: true; allowListed: boolean; url: URL }
  | { allowed: false; reason: string; rule: "target_url" | "target_scheme" | "target_credentials" | "target_address" };

const DEFAULT_PORT: Record<string, number> = { "http:": 80, "https:": 443 };

/**
 * The static check of a target URL: https only, no credentials, and a host that is neither a
 * non-public IP address nor an internal name, unless its host:port is on the allow-list (then http
 * and private addresses are fine, and the notifier skips the connect-time address check for it).
 * A public name that resolves to a private address is caught at connect time (isForbiddenAddress
 * on every resolved address).
 */
export function checkOutboundTarget(raw: string, allowList: readonly AllowedHostPort[]): OutboundTargetVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { allowed: false, reason: "not a valid URL", rule: "target_url" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return { allowed: false, reason: `scheme ${url.protocol} is not allowed`, rule: "target_scheme" };
  if (url.username !== "" || url.password !== "")
    return { allowed: false, reason: "the URL must not carry credentials", rule: "target_credentials" };
  const host = normalizeHost(url.hostname);
  const port = url.port === "" ? (DEFAULT_PORT[url.protocol] ?? 0) : Number(url.port);
  const allowListed = allowList.some((entry) => entry.host === host && (entry.port === "*" || entry.port === port));
  if (allowListed) return { allowed: true, allowListed: true, url };
  if (url.protocol !== "https:") return { allowed: false, reason: "only https targets are allowed", rule: "target_scheme" };
  const isAddress = ipaddr.isValid(host) && (host.includes(":") || ipaddr.IPv4.isValidFourPartDecimal(host));
  if (isAddress ? isForbiddenAddress(host) : isInternalName(host))
    return { allowed: false, reason: "the target is a private, loopback, link-local or reserved address", rule: "target_address" };
  return { allowed: true, allowListed: false, url };
}

import { BlockList, isIP } from "node:net";

// Addresses a webhook or push endpoint may never reach unless allow-listed: this host, private
// networks, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast, reserved.
const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
  ["2001:db8::", 32],
  ["100::", 64],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, "ipv6");
}

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::a.b.c.d) IPv6 address. */
function embeddedIpv4(address: string): string | undefined {
  const match = /^(?:::ffff:|64:ff9b::)(?:0:)?(.+)$/i.exec(address);
  if (match === null) return undefined;
  const tail = match[1] ?? "";
  if (isIP(tail) === 4) return tail;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(tail);
  if (hex === null) return undefined;
  const high = Number.parseInt(hex[1] ?? "0", 16);
  const low = Number.parseInt(hex[2] ?? "0", 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** True for an address outside the public internet (or not an IP address at all). */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return FORBIDDEN.check(address, "ipv4");
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4 !== undefined) return FORBIDDEN.check(v4, "ipv4");
    return FORBIDDEN.check(address, "ipv6");
  }
  return true;
}

export type TargetVerdict = { allowed: true; allowListed: boolean; url: URL } | { allowed: false; reason: string };

/**
 * The static half of the SSRF guard (the other half checks the addresses DNS returns, at
 * connect time). Allow-listed hosts may use http and private addresses; others need https
 * and, when written as an IP address, a public one.
 */
export function checkTarget(rawUrl: string, allowHosts: readonly string[]): TargetVerdict {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { allowed: false, reason: "not a valid URL" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { allowed: false, reason: `scheme ${url.protocol} is not allowed` };
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (allowHosts.includes(host)) return { allowed: true, allowListed: true, url };
  if (url.protocol !== "https:") return { allowed: false, reason: "only https targets are allowed" };
  if (isIP(host) !== 0 && isForbiddenAddress(host)) return { allowed: false, reason: "target address is private, loopback or link-local" };
  if (host === "localhost" || host.endsWith(".localhost"))
    return { allowed: false, reason: "target address is private, loopback or link-local" };
  return { allowed: true, allowListed: false, url };
}

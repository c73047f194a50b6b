import { describe, expect, it } from "vitest";
import { checkOutboundTarget, isForbiddenAddress, parseAllowedHostPort, type AllowedHostPort } from "./outbound-target.ts";

const allow = (...entries: string[]): AllowedHostPort[] =>
  entries.map((entry) => {
    const parsed = parseAllowedHostPort(entry);
    if ("error" in parsed) throw new Error(parsed.error);
    return parsed;
  });

describe("forbidden addresses", () => {
  it.each([
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "198.18.0.1",
    "198.19.255.1",
    "192.0.0.1",
    "192.0.2.1",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fd00::1",
    "fec0::1",
    "ff02::1",
    "2001:db8::1",
    "::7f00:1", // IPv4-compatible ::127.0.0.1
    "::127.0.0.1",
    "::a9fe:a9fe",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "64:ff9b::7f00:1", // NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",
    "64:ff9b::a00:1",
    "2002:7f00:1::1", // 6to4
    "[::1]",
    "127.1",
    "0x7f000001",
    "not-an-ip",
  ])("%s is refused", (address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each(["93.184.216.34", "8.8.8.8", "2606:2800:220:1:248:1893:25c8:1946", "::ffff:8.8.8.8", "64:ff9b::808:808"])(
    "%s is public",
    (address) => {
      expect(isForbiddenAddress(address)).toBe(false);
    },
  );
});

describe("outbound targets", () => {
  it("public https passes, not allow-listed", () => {
    expect(checkOutboundTarget("https://hooks.example.com/x", [])).toMatchObject({ allowed: true, allowListed: false });
  });

  it.each([
    "http://hooks.example.com/x",
    "ftp://hooks.example.com/x",
    "file:///etc/passwd",
    "https://user:pw@hooks.example.com/x",
    "https://127.0.0.1/x",
    "https://169.254.169.254/latest/meta-data",
    "https://10.0.0.1/x",
    "https://[::1]/x",
    "https://[::127.0.0.1]/x",
    "https://[::7f00:1]/x",
    "https://[::ffff:127.0.0.1]/x",
    "https://[64:ff9b::7f00:1]/x",
    "https://[fec0::1]/x",
    "https://[ff02::1]/x",
    "https://[2001:db8::1]/x",
    "https://198.18.0.1/x",
    "https://192.0.0.1/x",
    "https://0x7f.1/x",
    "https://2130706433/x",
    "https://localhost/x",
    "https://localhost./x",
    "https://LOCALHOST/x",
    "https://api.localhost/x",
    "https://metadata.google.internal/x",
    "https://printer.local/x",
    "https://redis/x",
    "not a url",
  ])("%s is refused", (url) => {
    expect(checkOutboundTarget(url, [])).toMatchObject({ allowed: false });
  });

  it("an allow-listed host:port may use http and a private address, on that port only", () => {
    const list = allow("127.0.0.1:8080");
    expect(checkOutboundTarget("http://127.0.0.1:8080/hook", list)).toMatchObject({ allowed: true, allowListed: true });
    expect(checkOutboundTarget("http://127.0.0.1:6379/", list)).toMatchObject({ allowed: false });
    expect(checkOutboundTarget("http://127.0.0.1/", list)).toMatchObject({ allowed: false });
    expect(checkOutboundTarget("https://127.0.0.1:8443/", list)).toMatchObject({ allowed: false });
  });

  it("default ports count, IPv6 and trailing dots are normalised, * allows any port", () => {
    expect(checkOutboundTarget("https://hooks.lan/x", allow("hooks.lan:443"))).toMatchObject({ allowed: true, allowListed: true });
    expect(checkOutboundTarget("http://[::1]:9000/x", allow("[0:0::1]:9000"))).toMatchObject({ allowed: true, allowListed: true });
    expect(checkOutboundTarget("http://localhost.:9000/x", allow("localhost:9000"))).toMatchObject({ allowed: true });
    expect(checkOutboundTarget("http://127.0.0.1:41234/x", allow("127.0.0.1:*"))).toMatchObject({ allowed: true });
  });

  it("allow-list entries need a port", () => {
    expect(parseAllowedHostPort("127.0.0.1")).toHaveProperty("error");
    expect(parseAllowedHostPort("127.0.0.1:0")).toHaveProperty("error");
    expect(parseAllowedHostPort("127.0.0.1:70000")).toHaveProperty("error");
    expect(parseAllowedHostPort("::1:80")).toHaveProperty("error");
    expect(parseAllowedHostPort("[::1]:80")).toEqual({ host: "::1", port: 80 });
    expect(parseAllowedHostPort("Hooks.Example.:443")).toEqual({ host: "hooks.example", port: 443 });
  });
});

import { describe, expect, it } from "vitest";
import { checkTarget, isForbiddenAddress } from "./target-policy.ts";

describe("forbidden addresses", () => {
  it("cover loopback, private, link-local, CGNAT, multicast and unspecified, in IPv4 and IPv6", () => {
    for (const address of ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1"]) {
      expect(isForbiddenAddress(address), address).toBe(true);
    }
    for (const address of ["::1", "::", "fe80::1", "fd00::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:7f00:1", "64:ff9b::a9fe:a9fe"]) {
      expect(isForbiddenAddress(address), address).toBe(true);
    }
    expect(isForbiddenAddress("not-an-ip")).toBe(true);
  });

  it("leave public addresses alone", () => {
    for (const address of ["93.184.216.34", "8.8.8.8", "2606:2800:220:1:248:1893:25c8:1946", "::ffff:8.8.8.8"]) {
      expect(isForbiddenAddress(address), address).toBe(false);
    }
  });
});

describe("webhook targets", () => {
  it("need https unless the host is allow-listed", () => {
    expect(checkTarget("https://hooks.example.com/x", [])).toMatchObject({ allowed: true, allowListed: false });
    expect(checkTarget("http://hooks.example.com/x", [])).toMatchObject({ allowed: false, reason: "only https targets are allowed" });
    expect(checkTarget("http://127.0.0.1:8080/x", ["127.0.0.1"])).toMatchObject({ allowed: true, allowListed: true });
  });

  it("refuse private, loopback and link-local addresses written into the URL, and other schemes", () => {
    expect(checkTarget("https://127.0.0.1/x", [])).toMatchObject({ allowed: false });
    expect(checkTarget("https://169.254.169.254/latest/meta-data", [])).toMatchObject({ allowed: false });
    expect(checkTarget("https://[::1]/x", [])).toMatchObject({ allowed: false });
    expect(checkTarget("https://localhost/x", [])).toMatchObject({ allowed: false });
    expect(checkTarget("file:///etc/passwd", [])).toMatchObject({ allowed: false });
    expect(checkTarget("not a url", [])).toMatchObject({ allowed: false });
  });
});

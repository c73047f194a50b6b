import { describe, expect, it } from "vitest";
import { TargetRejectedError, createGuardedHttp } from "./guarded-http.ts";

// The refusals happen before any socket is opened, so nothing listens and nothing is reached.
describe("guarded http (issue 14)", () => {
  it("an allow-listed host:port does not open the same host's other ports (Redis on 6379)", async () => {
    const http = createGuardedHttp({ allowHosts: [{ host: "127.0.0.1", port: 8080 }], timeoutMs: 1000 });
    try {
      await expect(http.post("http://127.0.0.1:6379/", {}, "x")).rejects.toBeInstanceOf(TargetRejectedError);
    } finally {
      http.close();
    }
  });

  it.each([
    "https://[::7f00:1]/x",
    "https://[::127.0.0.1]/x",
    "https://[64:ff9b::7f00:1]/x",
    "https://198.18.0.1/x",
    "https://localhost./x",
  ])("refuses %s before connecting", async (url) => {
    const http = createGuardedHttp({ allowHosts: [], timeoutMs: 1000 });
    try {
      await expect(http.post(url, {}, "x")).rejects.toBeInstanceOf(TargetRejectedError);
    } finally {
      http.close();
    }
  });
});

import { EnvError } from "@honorarium/shared";
import { describe, expect, it } from "vitest";
import { DEFAULT_DIST_DIR, loadPortalConfig } from "./config.ts";

describe("loadPortalConfig", () => {
  it("defaults to the deep links' base on this machine and the local query API", () => {
    expect(loadPortalConfig({})).toMatchObject({
      PORTAL_PORT: 3000,
      PORTAL_HOST: "127.0.0.1",
      PORTAL_API_URL: "http://127.0.0.1:4000",
      PORTAL_DIST_DIR: DEFAULT_DIST_DIR,
    });
  });

  it("names every bad variable at once", () => {
    let caught: unknown;
    try {
      loadPortalConfig({ PORTAL_PORT: "seventy", PORTAL_API_URL: "not a url" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EnvError);
    expect((caught as EnvError).problems.map((problem) => problem.split(":")[0])).toEqual(["PORTAL_PORT", "PORTAL_API_URL"]);
  });
});

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COMMON_NODE_FLAGS, SERVICE_NAMES, serviceNodeFlags } from "@honorarium/shared/runtime";

const ROOT = new URL("../", import.meta.url);
const pkg = JSON.parse(readFileSync(new URL("package.json", ROOT), "utf8")) as { scripts: Record<string, string> };

describe("Node flags, written once", () => {
  it("every service starts with the common flags and then its own", () => {
    for (const service of SERVICE_NAMES) expect(serviceNodeFlags(service).slice(0, COMMON_NODE_FLAGS.length)).toEqual(COMMON_NODE_FLAGS);
    expect(serviceNodeFlags("counter")).toContain("--max-old-space-size=192");
  });

  it("npm run start:* goes through scripts/start-service.sh", () => {
    for (const service of SERVICE_NAMES) expect(pkg.scripts[`start:${service}`]).toBe(`bash scripts/start-service.sh ${service}`);
  });

  it("scripts/start-service.sh refuses a name that is not a service", () => {
    const run = spawnSync("bash", ["scripts/start-service.sh", "billing"], { cwd: ROOT, encoding: "utf8" });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("usage: scripts/start-service.sh counter|notifier|query-api");
  });
});

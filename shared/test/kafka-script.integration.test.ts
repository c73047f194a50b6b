import { execFile } from "node:child_process";
import { mkdtempSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// scripts/kafka.sh's error paths: each failure says what is wrong and how to fix it.
const script = fileURLToPath(new URL("../../scripts/kafka.sh", import.meta.url));

function run(args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile("bash", [script, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (error, _stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stderr });
    });
  });
}

describe("scripts/kafka.sh", () => {
  it("refuses a port taken by something that is not Kafka, naming the port", async () => {
    const squatter = createServer((socket) => {
      socket.on("error", () => undefined); // the script's probe hangs up on us; that is fine
      socket.end("not kafka\n");
    });
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    const port = (squatter.address() as { port: number }).port;
    try {
      const cache = mkdtempSync(join(tmpdir(), "kafka-script-"));
      const result = await run(["up"], { KAFKA_PORT: String(port), HONORARIUM_CACHE_DIR: cache });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(`port ${port} is taken by another program that is not a Kafka broker`);
    } finally {
      squatter.close();
    }
  });

  it("says which tool is missing when Java or Maven cannot be found", async () => {
    const cache = mkdtempSync(join(tmpdir(), "kafka-script-"));
    // A PATH with the shell tools the script uses but no java and no mvn, and an empty cache so it must resolve.
    const bin = mkdtempSync(join(tmpdir(), "kafka-script-bin-"));
    for (const tool of ["bash", "dirname", "sed", "head", "cat", "mkdir", "tr", "seq", "sleep", "touch"]) {
      symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
    }
    const result = await run(["resolve"], { PATH: bin, HONORARIUM_CACHE_DIR: cache });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/java is not installed\. Kafka needs Java 17 or newer/);
  });

  it("reports a broker that is not running with exit code 3", async () => {
    const cache = mkdtempSync(join(tmpdir(), "kafka-script-"));
    const result = await run(["status"], { KAFKA_PORT: "1", HONORARIUM_CACHE_DIR: cache });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("not running");
  });
});

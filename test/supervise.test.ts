import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { eventually } from "@honorarium/shared/testing";

// npm run up runs each service under scripts/supervise.sh: a service that exits is started again, and the log says so.
const script = fileURLToPath(new URL("../scripts/supervise.sh", import.meta.url));

describe("scripts/supervise.sh", () => {
  it("restarts a command that exits, says so, and stops it on SIGTERM", async () => {
    const dir = mkdtempSync(join(tmpdir(), "supervise-"));
    const counter = join(dir, "runs");
    // Fails on its first run, then stays up.
    const command = join(dir, "flaky.sh");
    writeFileSync(
      command,
      `n=$(cat "${counter}" 2>/dev/null || echo 0); echo $((n + 1)) > "${counter}"\n` +
        `if [ "$n" -lt 1 ]; then echo "run $n failing"; exit 3; fi\necho "run $n up"; exec sleep 600\n`,
    );
    const child = spawn("bash", [script, "flaky", "bash", command], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      await eventually(async () => (output.includes("run 1 up") ? true : undefined), 30_000, "the second run");
      expect(output).toContain("flaky exited with code 3; restarting it in 2 s (restart 1)");
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});

import { type ChildProcess, type StdioOptions, spawn } from "node:child_process";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { COMMON_NODE_FLAGS, SERVICE_PROCESS_ENV, type ServiceName, serviceEntry, serviceNodeFlags } from "../runtime/node-flags.ts";

/** The repository root (this file is shared/src/testing/processes.ts). */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * Variables of the process, not of a service, that a spawned service inherits from the runner:
 * the same clock (libfaketime's LD_PRELOAD and FAKETIME*), time zone, locale, temp dir and Node
 * options. Service configuration (DATABASE_URL, COUNTER_*, …) never leaks in from the shell.
 */
export function inheritedProcessEnv(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const inherited: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined) continue;
    if (/^(PATH|HOME|TMPDIR|TZ|LANG|LC_[A-Z]+|NODE_OPTIONS|LD_PRELOAD|FAKETIME.*|DONT_FAKE_MONOTONIC)$/.test(name)) inherited[name] = value;
  }
  return inherited;
}

export interface SpawnNodeOptions {
  /** Node flags; the project's common flags when not given. */
  flags?: readonly string[];
  args?: readonly string[];
  env: Record<string, string>;
  stdio?: StdioOptions;
  cwd?: string;
}

/**
 * Node's on-disk compile cache, shared with scripts/start-service.sh: a service restarted on a busy
 * machine compiles its modules once, not at every start (0.9 s instead of 1.25-1.37 s to "started"
 * on a quiet one), which is what a restarted static group member waits for.
 */
export const NODE_COMPILE_CACHE = process.env.NODE_COMPILE_CACHE ?? join(homedir(), ".cache", "honorarium-tracker", "node-compile-cache");

/** A Node process of this project (a tool or a script), on the runner's clock, with the given env. */
export function spawnNode(entry: string, options: SpawnNodeOptions): ChildProcess {
  return spawn(process.execPath, [...(options.flags ?? COMMON_NODE_FLAGS), entry, ...(options.args ?? [])], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...inheritedProcessEnv(), NODE_COMPILE_CACHE, ...options.env },
    stdio: options.stdio ?? ["ignore", "pipe", "pipe"],
  });
}

/** A service as production starts it (its flags from shared/src/runtime/node-flags.ts), plus `extraFlags`. */
export function spawnService(
  service: ServiceName,
  options: Omit<SpawnNodeOptions, "flags"> & { extraFlags?: readonly string[] },
): ChildProcess {
  return spawnNode(`${REPO_ROOT}${serviceEntry(service)}`, {
    ...options,
    env: { ...SERVICE_PROCESS_ENV, ...options.env },
    flags: [...serviceNodeFlags(service), ...(options.extraFlags ?? [])],
  });
}

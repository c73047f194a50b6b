import { type ChildProcess, type StdioOptions, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { COMMON_NODE_FLAGS, type ServiceName, serviceEntry, serviceNodeFlags } from "../runtime/node-flags.ts";

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

/** A Node process of this project (a tool or a script), on the runner's clock, with the given env. */
export function spawnNode(entry: string, options: SpawnNodeOptions): ChildProcess {
  return spawn(process.execPath, [...(options.flags ?? COMMON_NODE_FLAGS), entry, ...(options.args ?? [])], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...inheritedProcessEnv(), ...options.env },
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
    flags: [...serviceNodeFlags(service), ...(options.extraFlags ?? [])],
  });
}

/**
 * The Node flags each process of this project runs with. They are written once, in
 * node-flags.json beside this file (JSON so that the shell reads them with any Node, before the
 * project's own Node 24 is installed): `scripts/start-service.sh` (npm run start:*, npm run up,
 * docker-compose, the Dockerfile), the scripts' NODE_OPTIONS (scripts/lib.sh), and every test or
 * benchmark that spawns a service.
 *
 * - common: KafkaJS 2.2.4 (the tests' and benchmarks' own client since the services moved to
 *   @platformatic/kafka) schedules timers with negative delays, which Node ≥ 24 warns about.
 * - counter: the heap cap keeps its peak RSS under 300 MB at full speed (bench/counter). An 8 MB
 *   semi-space rather than 16 was faster as well as smaller (same harness, 300k events, 2 runs
 *   each: 26.7-27.0k vs 22.9-24.0k events/s, Node 32-34 vs 41-42 µs of CPU per event); 4 MB was
 *   slower again (23.3-24.4k).
 */
import flags from "./node-flags.json" with { type: "json" };

export const COMMON_NODE_FLAGS: readonly string[] = flags.common;

/**
 * The environment every service process starts with, beside its flags (glibc's allocator): a fixed
 * mmap threshold, so a freed fetch buffer goes back to the system instead of staying in a grown
 * heap, and two malloc arenas instead of one per thread. bench/counter, 300k events, 2 runs each:
 * peak RSS 277-279 MB instead of 294-299 MB at the same speed (28.9-29.5k vs 28.9-29.3k events/s).
 */
export const SERVICE_PROCESS_ENV: Readonly<Record<string, string>> = flags.env;

export type ServiceName = "counter" | "notifier" | "query-api";

export const SERVICE_NAMES: readonly ServiceName[] = ["counter", "notifier", "query-api"];

/** Per service, after the common flags. */
const SERVICE_FLAGS: Record<ServiceName, readonly string[]> = {
  counter: flags.counter,
  notifier: flags.notifier,
  "query-api": flags["query-api"],
};

/** The service's own flags (without the common ones). */
export function serviceOnlyNodeFlags(service: ServiceName): readonly string[] {
  return SERVICE_FLAGS[service];
}

/** Everything a service's `node` is started with, before its entry file. */
export function serviceNodeFlags(service: ServiceName): string[] {
  return [...COMMON_NODE_FLAGS, ...SERVICE_FLAGS[service]];
}

/** The entry file of a service, relative to the repository root. */
export const serviceEntry = (service: ServiceName): string => `services/${service}/src/main.ts`;

export function isServiceName(name: string): name is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(name);
}

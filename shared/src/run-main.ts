import { EnvError } from "./env.ts";

/**
 * Runs an entrypoint. A bad environment prints one readable message (no stack trace) and
 * exits 2; any other start-up failure prints its message and exits 1.
 */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    if (error instanceof EnvError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`start-up failed: ${message}\n`);
    process.exit(1);
  });
}

import type { Logger } from "pino";

type Closer = () => Promise<void>;

export interface Shutdown {
  /** Closers run in reverse order of registration: stop intake first, close pools last. */
  register(name: string, closer: Closer): void;
  run(reason: string): Promise<void>;
  /** SIGTERM/SIGINT run the closers once, then exit (0 when all closed in time). */
  installSignalHandlers(): void;
  /** Runs the closers once, then exits with `exitCode` (1 if a closer failed or time ran out). */
  terminate(reason: string, exitCode: number): void;
}

export function createShutdown(logger: Logger, timeoutMs = 30_000): Shutdown {
  const closers: { name: string; closer: Closer }[] = [];
  let running: Promise<void> | undefined;

  async function run(reason: string): Promise<void> {
    running ??= (async () => {
      logger.info({ reason }, "shutting down");
      for (const { name, closer } of [...closers].reverse()) {
        try {
          await closer();
        } catch (error) {
          logger.error({ err: error, closer: name }, "error while closing");
        }
      }
    })();
    return running;
  }

  function terminate(reason: string, exitCode: number): void {
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, "shutdown timed out; exiting");
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    run(reason).then(
      () => process.exit(exitCode),
      () => process.exit(1),
    );
  }

  return {
    register(name, closer) {
      closers.push({ name, closer });
    },
    run,
    installSignalHandlers() {
      const onSignal = (signal: NodeJS.Signals) => terminate(signal, 0);
      process.once("SIGTERM", onSignal);
      process.once("SIGINT", onSignal);
    },
    terminate,
  };
}

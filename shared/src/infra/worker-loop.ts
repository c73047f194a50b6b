export interface WorkerLoopOptions {
  /**
   * One pass over the work. Resolves true when more is likely waiting (run again at once), false
   * when idle (sleep until woken or `idleMs`). A throw is a failed pass: back off, then run again.
   */
  pass: () => Promise<boolean>;
  /** Polling fallback: the longest an idle loop sleeps without a wake(). */
  idleMs: number;
  /** Back-off after failed passes: initialMs × 2^(failures − 1), at most maxMs. */
  backoff?: { initialMs: number; maxMs: number };
  /** A failed pass (`failures` in a row); the loop goes on after its back-off. */
  onError: (error: unknown, failures: number) => void;
}

export interface WorkerLoop {
  start(): void;
  /** Runs a pass soon: at once when sleeping idle, after the current pass when busy. */
  wake(): void;
  /** Lets the pass in hand finish; no pass starts after this. */
  stop(): Promise<void>;
  /** Failed passes in a row (0 after a good one). */
  failures(): number;
}

const DEFAULT_BACKOFF = { initialMs: 400, maxMs: 5000 };

/**
 * The wake/sleep/back-off loop every background worker runs on (the counter's outbox relay, the
 * notifier's claim loops and its reminders): passes run one at a time; a wake() during a pass
 * is remembered, so a NOTIFY that lands mid-pass is never lost; idle sleeps end on wake() or after
 * `idleMs`; failures back off exponentially, and stop() cuts any sleep short.
 */
export function createWorkerLoop(options: WorkerLoopOptions): WorkerLoop {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  let running = false;
  let pending = true;
  let failures = 0;
  let loop: Promise<void> | undefined;
  let interrupt: (() => void) | undefined;

  /** Sleeps `ms`, cut short by stop() and, when `wakeable`, by wake(). */
  function sleep(ms: number, wakeable: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        interrupt = undefined;
        resolve();
      }
      interrupt = () => {
        if (wakeable || !running) done();
      };
    });
  }

  async function run(): Promise<void> {
    while (running) {
      if (!pending) await sleep(options.idleMs, true);
      if (!running) break;
      pending = false;
      try {
        if (await options.pass()) pending = true;
        failures = 0;
      } catch (error) {
        failures += 1;
        options.onError(error, failures);
        await sleep(Math.min(backoff.initialMs * 2 ** (failures - 1), backoff.maxMs), false);
        pending = true;
      }
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      pending = true;
      loop = run();
    },
    wake() {
      pending = true;
      interrupt?.();
    },
    async stop() {
      running = false;
      interrupt?.();
      await loop;
      loop = undefined;
    },
    failures: () => failures,
  };
}

import { describe, expect, it } from "vitest";
import { createWorkerLoop } from "./worker-loop.ts";

const HOUR = 3_600_000;

/** Resolves when `condition` holds, checking after every macrotask (no wall-clock assertion). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe("createWorkerLoop (the shared wake/sleep/back-off loop)", () => {
  it("runs a pass at start, sleeps until woken, and remembers a wake that comes during a pass", async () => {
    let passes = 0;
    let release: (() => void) | undefined;
    const loop = createWorkerLoop({
      idleMs: HOUR,
      pass: async () => {
        passes += 1;
        if (passes === 2) await new Promise<void>((resolve) => (release = resolve));
        return false;
      },
      onError: () => undefined,
    });
    loop.start();
    await until(() => passes === 1);
    loop.wake();
    await until(() => release !== undefined);
    // Woken while the second pass runs: a third pass follows it, without waiting the idle hour.
    loop.wake();
    release?.();
    await until(() => passes === 3);
    await loop.stop();
    expect(passes).toBe(3);
  });

  it("runs again at once while a pass says more is waiting", async () => {
    let passes = 0;
    const loop = createWorkerLoop({ idleMs: HOUR, pass: async () => ++passes < 4, onError: () => undefined });
    loop.start();
    await until(() => passes === 4);
    await loop.stop();
    expect(passes).toBe(4);
  });

  it("reports failed passes, counts them, and starts over after a good one; stop() cuts the back-off short", async () => {
    let passes = 0;
    const errors: number[] = [];
    const loop = createWorkerLoop({
      idleMs: HOUR,
      backoff: { initialMs: 1, maxMs: 2 },
      pass: async () => {
        passes += 1;
        if (passes <= 2) throw new Error("database down");
        return false;
      },
      onError: (_error, failures) => errors.push(failures),
    });
    loop.start();
    await until(() => passes === 3);
    expect(errors).toEqual([1, 2]);
    await until(() => loop.failures() === 0);
    await loop.stop();

    const stuck = createWorkerLoop({
      idleMs: HOUR,
      backoff: { initialMs: HOUR, maxMs: HOUR },
      pass: async () => {
        throw new Error("always");
      },
      onError: () => undefined,
    });
    stuck.start();
    await until(() => stuck.failures() === 1);
    // Resolves although the back-off is an hour.
    await stuck.stop();
    expect(stuck.failures()).toBe(1);
  });
});

import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { liveQueue, type LiveSource } from "./live-queue.ts";

/** An in-memory feed: what the counts and activity feeds are to a stream, without Redis or Postgres. */
function feed<T>() {
  const listeners = new Set<(item: T) => void>();
  const source: LiveSource<T> = {
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return { source, listeners, publish: (item: T) => listeners.forEach((listener) => listener(item)) };
}

describe("liveQueue", () => {
  it("delivers what the caller may see, in order, including what arrived before the first read", async () => {
    const { source, publish } = feed<number>();
    const live = liveQueue(source, (n) => n % 2 === 0, undefined, { limit: 10 });
    for (let n = 0; n < 6; n++) publish(n);
    const iterator = live[Symbol.asyncIterator]();
    const seen = [(await iterator.next()).value, (await iterator.next()).value, (await iterator.next()).value];
    expect(seen).toEqual([0, 2, 4]);
    const waiting = iterator.next();
    publish(7);
    publish(8);
    expect((await waiting).value).toBe(8);
    live.close();
    expect((await iterator.next()).done).toBe(true);
  });

  it("a stream that falls `limit` behind stops listening, drops what it held and ends with a retryable error", async () => {
    const { source, listeners, publish } = feed<number>();
    let overflows = 0;
    const live = liveQueue(source, () => true, undefined, { limit: 3, onOverflow: () => overflows++ });
    const iterator = live[Symbol.asyncIterator]();
    for (let n = 0; n < 3; n++) publish(n);
    expect(listeners.size).toBe(1);
    publish(3); // the fourth unsent item: over the limit
    publish(4);
    expect(listeners.size).toBe(0);
    expect(overflows).toBe(1);
    const ended = await iterator.next().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(ended).toBeInstanceOf(TRPCError);
    expect((ended as TRPCError).code).toBe("SERVICE_UNAVAILABLE");
  });

  it("a reader that keeps up is never cut off however many items pass", async () => {
    const { source, publish } = feed<number>();
    const live = liveQueue(source, () => true, undefined, { limit: 2 });
    const iterator = live[Symbol.asyncIterator]();
    for (let n = 0; n < 50; n++) {
      publish(n);
      expect((await iterator.next()).value).toBe(n);
    }
    live.close();
  });

  it("an abort ends the stream and removes its abort listener's effect", async () => {
    const { source, listeners, publish } = feed<number>();
    const controller = new AbortController();
    const live = liveQueue(source, () => true, controller.signal);
    const iterator = live[Symbol.asyncIterator]();
    const waiting = iterator.next();
    controller.abort();
    expect((await waiting).done).toBe(true);
    expect(listeners.size).toBe(0);
    publish(1);
    expect((await iterator.next()).done).toBe(true);
  });
});

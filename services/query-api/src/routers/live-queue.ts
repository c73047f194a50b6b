import { TRPCError } from "@trpc/server";

export interface LiveQueue<T> extends AsyncIterable<T> {
  /** Stops listening (idempotent); an iteration in progress ends. */
  close(): void;
}

/** A process-wide feed of live messages (the counts feed, the activity feed). */
export interface LiveSource<T> {
  listen(listener: (item: T) => void): () => void;
}

/**
 * What one stream may hold unsent. The stream is pulled only as fast as its client reads, so a
 * client that stops reading (a stalled tab, a slow link) would otherwise make the queue grow for as
 * long as the connection stays open. 1,000 is what a counts stream replays on a resume.
 */
export const LIVE_QUEUE_LIMIT = 1000;

/**
 * The waiting loop of every subscription (counts.onChange, activity.onChange): listens to `source`
 * at once, so nothing that happens while the stream replays or sends its first event is lost, keeps
 * what the caller may see (`visible`), and iterates it until `signal` aborts or close() is called.
 * Create it inside the subscription's generator body (which runs only when a stream really opens)
 * and close it in that body's finally.
 *
 * A stream that falls `limit` items behind stops listening, drops what it held and ends with
 * SERVICE_UNAVAILABLE, which tRPC's client treats as retryable: it reconnects, a counts stream with
 * its lastEventId (the dropped changes are replayed), an activity stream with `subscribed` first
 * (the client refetches). `onOverflow` is told once.
 */
export function liveQueue<T>(
  source: LiveSource<T>,
  visible: (item: T) => boolean,
  signal: AbortSignal | undefined,
  options: { limit?: number; onOverflow?: () => void } = {},
): LiveQueue<T> {
  const limit = options.limit ?? LIVE_QUEUE_LIMIT;
  let queue: T[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  let overflowed = false;
  let unlisten = () => {};
  const close = () => {
    if (closed) return;
    closed = true;
    unlisten();
    signal?.removeEventListener("abort", close);
    wake?.();
  };
  unlisten = source.listen((item) => {
    if (closed || !visible(item)) return;
    if (queue.length >= limit) {
      overflowed = true;
      queue = [];
      close();
      options.onOverflow?.();
      return;
    }
    queue.push(item);
    wake?.();
  });
  signal?.addEventListener("abort", close, { once: true });
  return {
    close,
    async *[Symbol.asyncIterator]() {
      try {
        while (!closed) {
          for (let item = queue.shift(); item !== undefined && !closed; item = queue.shift()) yield item;
          if (closed) break;
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
        if (overflowed) {
          throw new TRPCError({
            code: "SERVICE_UNAVAILABLE",
            message: `this stream fell ${limit} events behind its client; reconnect (a counts stream resumes from its lastEventId)`,
          });
        }
      } finally {
        close();
      }
    },
  };
}

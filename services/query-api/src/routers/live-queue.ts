export interface LiveQueue<T> extends AsyncIterable<T> {
  /** Stops listening (idempotent); an iteration in progress ends. */
  close(): void;
}

/** A process-wide feed of live messages (the counts feed, the activity feed). */
export interface LiveSource<T> {
  listen(listener: (item: T) => void): () => void;
}

/**
 * The waiting loop of every subscription (counts.onChange, activity.onChange): listens to `source`
 * at once, so nothing that happens while the stream replays or sends its first event is lost, keeps
 * what the caller may see (`visible`), and iterates it until `signal` aborts or close() is called.
 * Create it inside the subscription's generator body (which runs only when a stream really opens)
 * and close it in that body's finally.
 */
export function liveQueue<T>(source: LiveSource<T>, visible: (item: T) => boolean, signal: AbortSignal | undefined): LiveQueue<T> {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  const unlisten = source.listen((item) => {
    if (!visible(item)) return;
    queue.push(item);
    wake?.();
  });
  const close = () => {
    if (closed) return;
    closed = true;
    unlisten();
    wake?.();
  };
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
      } finally {
        close();
      }
    },
  };
}

import { COUNTS_CHANGED_STREAM_FIELD, type CountsChanged, countsChangedSchema } from "@honorarium/shared/contracts";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { withTimeout } from "./with-timeout.ts";

export type CountsChangedListener = (change: CountsChanged) => void;

/**
 * The counter's live updates (contract: shared/src/contracts/live-updates.ts). One Redis
 * subscriber connection per process fans messages out to every open SSE subscription and to
 * cache invalidation; `readAfter` replays the capped stream for a client resuming with lastEventId.
 */
export interface CountsChangedFeed {
  start(): Promise<void>;
  stop(): Promise<void>;
  listen(listener: CountsChangedListener): () => void;
  readAfter(lastEventId: string, limit: number): Promise<CountsChanged[]>;
}

const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

export function isStreamId(value: string): boolean {
  return STREAM_ID.test(value);
}

/** Orders two stream ids ("ms-seq"). */
export function compareStreamIds(a: string, b: string): number {
  const [aMs = "0", aSeq = "0"] = a.split("-");
  const [bMs = "0", bSeq = "0"] = b.split("-");
  const ms = BigInt(aMs) - BigInt(bMs);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(aSeq) - BigInt(bSeq);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A stream entry as a message: its one COUNTS_CHANGED_STREAM_FIELD holds the JSON; the entry id is the id. */
export function parseStreamEntry(id: string, fields: readonly string[]): CountsChanged | undefined {
  const index = fields.indexOf(COUNTS_CHANGED_STREAM_FIELD);
  const text = index >= 0 && index % 2 === 0 ? fields[index + 1] : undefined;
  if (text === undefined) return undefined;
  const candidate = tryJson(text);
  if (typeof candidate !== "object" || candidate === null) return undefined;
  const parsed = countsChangedSchema.safeParse({ ...candidate, id });
  return parsed.success ? parsed.data : undefined;
}

export function createRedisCountsChangedFeed(options: {
  /** The counter's channel and stream (liveUpdatesKeys of LIVE_UPDATES_PREFIX). */
  keys: { channel: string; stream: string };
  subscriber: Redis;
  reader: Redis;
  logger: Logger;
  onChange?: (change: CountsChanged) => Promise<void> | void;
}): CountsChangedFeed {
  const { subscriber, reader, logger } = options;
  const { keys } = options;
  const listeners = new Set<CountsChangedListener>();

  const onMessage = (channel: string, text: string) => {
    if (channel !== keys.channel) return;
    const parsed = countsChangedSchema.safeParse(tryJson(text));
    if (!parsed.success) {
      logger.warn({ channel }, "ignored a malformed counts-changed message");
      return;
    }
    const change = parsed.data;
    Promise.resolve(options.onChange?.(change)).catch((error: unknown) => logger.warn({ err: error }, "cache invalidation failed"));
    for (const listener of listeners) listener(change);
  };
  const subscribe = () => {
    subscriber
      .subscribe(keys.channel)
      .catch((error: unknown) => logger.warn({ err: error instanceof Error ? error.message : error }, "subscribe failed"));
  };

  return {
    async start() {
      subscriber.on("message", onMessage);
      // Subscribe on every (re)connect: the service starts and keeps serving without Redis.
      subscriber.on("ready", subscribe);
      if (subscriber.status === "wait") subscriber.connect().catch(() => undefined);
      else if (subscriber.status === "ready") subscribe();
    },
    async stop() {
      subscriber.off("message", onMessage);
      subscriber.off("ready", subscribe);
      listeners.clear();
      subscriber.disconnect();
    },
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async readAfter(lastEventId, limit) {
      const entries = await withTimeout(reader.xrange(keys.stream, `(${lastEventId}`, "+", "COUNT", limit), 2000);
      const changes: CountsChanged[] = [];
      for (const [id, fields] of entries) {
        const change = parseStreamEntry(id, fields);
        if (change !== undefined) changes.push(change);
      }
      return changes;
    },
  };
}

import { type LiveActivity, liveActivitySchema } from "@honorarium/shared/contracts";
import { PG_CHANNELS } from "@honorarium/shared/db";
import { createPgListener } from "@honorarium/shared/infra";
import type { Logger } from "pino";

export type LiveActivityListener = (activity: LiveActivity) => void;

/**
 * Live activity besides counts (contract: shared/src/contracts/live-activity.ts): one LISTEN
 * connection per process fans the database's NOTIFYs out to every open activity.onChange stream.
 * Nothing is replayed: after a reconnect of the LISTEN connection, as after a client's own
 * reconnect, what was shown is refetched.
 */
export interface LiveActivityFeed {
  start(): Promise<void>;
  stop(): Promise<void>;
  listen(listener: LiveActivityListener): () => void;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function createPgLiveActivityFeed(options: { databaseUrl: string; logger: Logger; applicationName: string }): LiveActivityFeed {
  const listeners = new Set<LiveActivityListener>();
  const listener = createPgListener({
    databaseUrl: options.databaseUrl,
    channel: PG_CHANNELS.liveActivity,
    applicationName: options.applicationName,
    logger: options.logger,
    onNotify: (payload) => {
      // No payload: the LISTEN connection (re)opened; there is nothing to tell a stream.
      if (payload === undefined || payload === "") return;
      const parsed = liveActivitySchema.safeParse(tryJson(payload));
      if (!parsed.success) {
        options.logger.warn({ channel: PG_CHANNELS.liveActivity }, "ignored a malformed live-activity notification");
        return;
      }
      for (const each of listeners) each(parsed.data);
    },
  });
  return {
    start: () => listener.start(),
    async stop() {
      listeners.clear();
      await listener.stop();
    },
    listen(each) {
      listeners.add(each);
      return () => listeners.delete(each);
    },
  };
}

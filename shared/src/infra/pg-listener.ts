import pg from "pg";
import type { Logger } from "pino";

export interface PgListenerOptions {
  databaseUrl: string;
  /** A channel name from PG_CHANNELS (shared/db): never user input, it is part of the LISTEN statement. */
  channel: string;
  applicationName: string;
  logger: Logger;
  /** Called with the NOTIFY payload; with none after (re)connecting, when a NOTIFY may have been missed. */
  onNotify: (payload?: string) => void;
  reconnectDelayMs?: number;
}

export interface PgListener {
  /** Connects and LISTENs; a failure is logged and retried, never thrown (polling covers the gap). */
  start(): Promise<void>;
  stop(): Promise<void>;
  isListening(): boolean;
}

/**
 * LISTEN on a dedicated connection (pooled connections cannot keep a LISTEN). A lost or refused
 * connection is re-opened after `reconnectDelayMs` for as long as it takes, for example through a
 * PostgreSQL restart; meanwhile the worker's polling keeps work moving. The counter's outbox relay
 * and the notifier's dispatcher listen through it.
 */
export function createPgListener(options: PgListenerOptions): PgListener {
  const reconnectDelayMs = options.reconnectDelayMs ?? 1000;
  let client: pg.Client | undefined;
  let stopped = true;
  let listening = false;
  let reconnectTimer: NodeJS.Timeout | undefined;

  function scheduleReconnect(): void {
    if (stopped || reconnectTimer !== undefined) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      void connect();
    }, reconnectDelayMs);
    reconnectTimer.unref?.();
  }

  async function connect(): Promise<void> {
    const next = new pg.Client({ connectionString: options.databaseUrl, application_name: options.applicationName });
    next.on("notification", (message) => options.onNotify(message.payload));
    next.on("error", (error: Error) => {
      options.logger.warn({ err: error.message, channel: options.channel }, "LISTEN connection lost; polling until it is back");
      if (client === next) client = undefined;
      listening = false;
      next.end().catch(() => undefined);
      scheduleReconnect();
    });
    try {
      await next.connect();
      await next.query(`listen ${options.channel}`);
    } catch (error) {
      options.logger.warn(
        { err: error instanceof Error ? error.message : String(error), channel: options.channel },
        "LISTEN not connected; polling",
      );
      next.end().catch(() => undefined);
      scheduleReconnect();
      return;
    }
    if (stopped) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    listening = true;
    // A NOTIFY sent while not listening was missed: let the worker look now.
    options.onNotify();
  }

  return {
    async start() {
      stopped = false;
      await connect();
    },
    async stop() {
      stopped = true;
      listening = false;
      clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
    isListening: () => listening,
  };
}

import pg from "pg";
import { PG_CHANNELS } from "@honorarium/shared/db";
import type { Logger } from "@honorarium/shared";

export interface DueJobListener {
  start(): Promise<void>;
  stop(): Promise<void>;
  isListening(): boolean;
}

const RECONNECT_DELAY_MS = 1000;

/**
 * LISTEN notification_jobs_due on a dedicated connection and call `onDue` for every NOTIFY.
 * A lost connection is re-opened; meanwhile the dispatcher's polling keeps jobs moving.
 */
export function createDueJobListener(databaseUrl: string, logger: Logger, onDue: () => void): DueJobListener {
  let client: pg.Client | undefined;
  let stopped = false;
  let listening = false;
  let reconnectTimer: NodeJS.Timeout | undefined;

  async function connect(): Promise<void> {
    const next = new pg.Client({ connectionString: databaseUrl, application_name: "notifier-listen" });
    next.on("notification", () => onDue());
    next.on("error", (error: Error) => {
      logger.warn({ err: error.message }, "LISTEN connection lost; polling until it is back");
      listening = false;
      next.end().catch(() => undefined);
      scheduleReconnect();
    });
    await next.connect();
    await next.query(`LISTEN ${PG_CHANNELS.notificationJobsDue}`);
    client = next;
    listening = true;
  }

  function scheduleReconnect(): void {
    if (stopped || reconnectTimer !== undefined) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connect().catch(() => scheduleReconnect());
    }, RECONNECT_DELAY_MS);
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
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
    isListening: () => listening,
  };
}

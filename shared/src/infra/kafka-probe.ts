import { Admin } from "@platformatic/kafka";

export interface KafkaProbe {
  /** True when a broker answers a metadata request now; never waits longer than `timeoutMs`. */
  check(): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * A readiness probe of real broker connectivity: an admin client of its own without retries (the
 * services' clients retry, which would hide an outage), asked for cluster metadata on each check.
 * A failed check closes the client so the next one dials afresh. One check at a time: polls that
 * come while one is in flight share its answer.
 */
export function createKafkaProbe(options: { brokers: readonly string[]; clientId: string; timeoutMs?: number }): KafkaProbe {
  const timeoutMs = options.timeoutMs ?? 1500;
  let admin: Admin | undefined;
  let inFlight: Promise<boolean> | undefined;

  async function probe(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    if (admin === undefined) {
      admin = new Admin({
        clientId: `${options.clientId}-probe`,
        bootstrapBrokers: [...options.brokers],
        retries: 0,
        timeout: timeoutMs,
        connectTimeout: timeoutMs,
      });
      // Failures are the answer here (false), never an unhandled error event.
      admin.on("error", () => undefined);
    }
    const current = admin;
    try {
      const answer = current.metadata({ topics: [], forceUpdate: true }).then((metadata) => metadata.brokers.size > 0);
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      const ok = await Promise.race([answer.catch(() => false), timeout]);
      if (!ok) {
        admin = undefined;
        await current.close().catch(() => undefined);
      }
      return ok;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    check() {
      inFlight ??= probe().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    async stop() {
      const current = admin;
      admin = undefined;
      await current?.close().catch(() => undefined);
    },
  };
}

import { Kafka, logLevel, type Admin } from "kafkajs";

export interface KafkaProbe {
  /** True when a broker answers a metadata request now; never waits longer than `timeoutMs`. */
  check(): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * A readiness probe of real broker connectivity: one admin connection of its own, without retries
 * (the services' clients retry for minutes, which would hide an outage), asked for cluster metadata
 * on each check. A failed check drops the connection so the next one dials afresh. One check at a
 * time: polls that come while one is in flight share its answer.
 */
export function createKafkaProbe(options: { brokers: string[]; clientId: string; timeoutMs?: number }): KafkaProbe {
  const timeoutMs = options.timeoutMs ?? 1500;
  const kafka = new Kafka({
    clientId: `${options.clientId}-probe`,
    brokers: options.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  let admin: Admin | undefined;
  let inFlight: Promise<boolean> | undefined;

  async function probe(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const current = (admin ??= kafka.admin({ retry: { retries: 0 } }));
    try {
      const answer = (async () => {
        await current.connect();
        const cluster = await current.describeCluster();
        return cluster.brokers.length > 0;
      })();
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      const ok = await Promise.race([answer.catch(() => false), timeout]);
      if (!ok) {
        admin = undefined;
        await current.disconnect().catch(() => undefined);
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
      await current?.disconnect().catch(() => undefined);
    },
  };
}

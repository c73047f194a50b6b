/** An outbox row as claimed for publishing: the Kafka record it stands for. */
export interface OutboxEntry {
  id: number;
  kind: "event" | "dead_letter";
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export interface PublishFailure {
  entry: OutboxEntry;
  error: string;
  /** Counts towards parking: the failure is the row's own (the broker refuses this record), not the broker's. */
  counts: boolean;
}

export interface PublishOutcome {
  published: OutboxEntry[];
  failures: PublishFailure[];
  /** Sends failed for reasons that say nothing about the rows (broker unreachable): the relay backs off. */
  outage: Error | null;
}

/**
 * The relay's way out to the broker (adapters/kafka/outbox-publisher.ts). publish() never throws
 * for a send: each entry is published or failed, and an outage stops the rest of the pass.
 */
export interface OutboxPublisher {
  start(): Promise<void>;
  stop(): Promise<void>;
  publish(entries: readonly OutboxEntry[]): Promise<PublishOutcome>;
}

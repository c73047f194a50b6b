import { type IHeaders, type Kafka, Partitioners, type Producer } from "kafkajs";
import type { DeadLetterRecord } from "@honorarium/shared/infra";

export interface DeadLetterProducer {
  start(): Promise<void>;
  /** Resolves once the broker has every dead letter (acks from all in-sync replicas). */
  send(records: readonly DeadLetterRecord[]): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Dead letters go straight to `<topic>.dlq`, produced (and acknowledged) inside the batch's
 * Postgres transaction, before it commits: the partition only moves past an invalid message
 * once its dead letter is safe. A crash between the ack and the commit re-sends the letter
 * (at-least-once; the dlq-source-* headers identify repeats). We do not use the shared outbox
 * table: the counter's relay publishes that table, and two relays on one table would race.
 */
export function createDeadLetterProducer(kafka: Kafka): DeadLetterProducer {
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  return {
    start: () => producer.connect(),
    async send(records) {
      const byTopic = new Map<string, { key: Buffer | null; value: Buffer | null; headers: IHeaders }[]>();
      for (const record of records) {
        const list = byTopic.get(record.topic) ?? [];
        list.push({ key: record.key, value: record.value, headers: record.headers });
        byTopic.set(record.topic, list);
      }
      if (byTopic.size === 0) return;
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    },
    stop: () => producer.disconnect(),
  };
}

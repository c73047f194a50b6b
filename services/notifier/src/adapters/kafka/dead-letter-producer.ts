import { type DeadLetterRecord, type KafkaClient, type RecordProducer, createRecordProducer } from "@honorarium/shared/infra";

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
export function createDeadLetterProducer(kafka: KafkaClient): DeadLetterProducer {
  let producer: RecordProducer | undefined;
  return {
    async start() {
      producer = createRecordProducer(kafka);
    },
    async send(records) {
      if (records.length === 0) return;
      if (producer === undefined) throw new Error("the dead-letter producer is not started");
      await producer.send(records);
    },
    async stop() {
      await producer?.close();
      producer = undefined;
    },
  };
}

import { type IHeaders, type Kafka, type KafkaMessage, Partitioners, type Producer } from "kafkajs";
import { DEAD_LETTER_HEADERS, type DeadLetterErrorCode, deadLetterTopicOf } from "@honorarium/shared/contracts";

export interface DeadLetter {
  sourceTopic: string;
  sourcePartition: number;
  message: KafkaMessage;
  code: DeadLetterErrorCode;
  reason: string;
}

export interface DeadLetterProducer {
  start(): Promise<void>;
  /** Resolves once the broker has every dead letter (acks from all in-sync replicas). */
  send(letters: readonly DeadLetter[]): Promise<void>;
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
    async send(letters) {
      const byTopic = new Map<string, { key: Buffer | null; value: Buffer | null; headers: IHeaders }[]>();
      for (const letter of letters) {
        const topic = deadLetterTopicOf(letter.sourceTopic);
        const headers: IHeaders = {
          ...letter.message.headers,
          [DEAD_LETTER_HEADERS.reason]: letter.reason,
          [DEAD_LETTER_HEADERS.errorCode]: letter.code,
          [DEAD_LETTER_HEADERS.sourceTopic]: letter.sourceTopic,
          [DEAD_LETTER_HEADERS.sourcePartition]: String(letter.sourcePartition),
          [DEAD_LETTER_HEADERS.sourceOffset]: letter.message.offset,
          [DEAD_LETTER_HEADERS.failedAt]: new Date().toISOString(),
        };
        const list = byTopic.get(topic) ?? [];
        list.push({ key: letter.message.key, value: letter.message.value, headers });
        byTopic.set(topic, list);
      }
      if (byTopic.size === 0) return;
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    },
    stop: () => producer.disconnect(),
  };
}

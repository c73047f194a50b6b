/**
 * All of bench:counter's own Kafka client code (KafkaJS), in one place: topics, producing the
 * stream, the naive baseline's consumer, and reading a group's committed offsets from the broker.
 */
import { Kafka, Partitioners, logLevel } from "kafkajs";

export interface BenchMessage {
  key: string;
  value: Buffer;
  partition: number;
}

export interface BenchKafka {
  createTopics(topics: readonly string[], partitions: number): Promise<void>;
  /** Deletes the named topics and every topic whose name starts with one of `prefixes`. */
  deleteTopics(names: readonly string[], prefixes?: readonly string[]): Promise<void>;
  deleteGroups(groups: readonly string[]): Promise<void>;
  /** Idempotent producer, acks=all, one request per chunk (spread over the partitions). */
  produce(topic: string, chunks: Iterable<BenchMessage[]>): Promise<void>;
  /** The sum over the topic's partitions of the group's committed offsets (what it has consumed for good). */
  committedOffsets(group: string, topic: string): Promise<number>;
  /** Consumes the topic from the beginning, one message at a time, until `stop` is called. */
  consumeEach(
    group: string,
    topic: string,
    each: (message: { partition: number; offset: string; value: Buffer | null }) => Promise<void>,
  ): Promise<{ stop(): Promise<void> }>;
  close(): Promise<void>;
}

/** KafkaJS's default partitioner for `partitions` partitions: the partition a key hashes to. */
export function partitionerFor(partitions: number): (key: string) => number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));
  return (key) => partitioner({ topic: "", partitionMetadata, message: { key, value: null } });
}

export async function connectBenchKafka(brokers: readonly string[]): Promise<BenchKafka> {
  const kafka = new Kafka({ clientId: "bench-counter", brokers: [...brokers], logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  return {
    async createTopics(topics, partitions) {
      await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: partitions })), waitForLeaders: true });
    },
    async deleteTopics(names, prefixes = []) {
      const existing = await admin.listTopics();
      const doomed = existing.filter((topic) => names.includes(topic) || prefixes.some((prefix) => topic.startsWith(prefix)));
      if (doomed.length > 0) await admin.deleteTopics({ topics: doomed });
    },
    async deleteGroups(groups) {
      // Best effort: a group that never committed to Kafka does not exist there.
      await admin.deleteGroups([...groups]).catch(() => undefined);
    },
    async produce(topic, chunks) {
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      try {
        for (const messages of chunks) await producer.send({ topic, acks: -1, messages });
      } finally {
        await producer.disconnect();
      }
    },
    async committedOffsets(group, topic) {
      const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      return (offsets?.partitions ?? []).reduce((sum, { offset }) => sum + Math.max(0, Number(offset)), 0);
    },
    async consumeEach(group, topic, each) {
      const consumer = kafka.consumer({ groupId: group });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: ({ partition, message }) => each({ partition, offset: message.offset, value: message.value }),
      });
      return { stop: () => consumer.disconnect() };
    },
    close: () => admin.disconnect(),
  };
}

import {
  type KafkaClient,
  type OutgoingRecord,
  type RecordProducer,
  createAdmin,
  createRecordProducer,
  kafkaErrorNames,
} from "@honorarium/shared/infra";
import type { OutboxEntry, OutboxPublisher, PublishFailure, PublishOutcome } from "../../use-cases/outbox-publisher.ts";

/** Bytes per produce request: well under the broker's default 1 MB (message.max.bytes) per partition batch. */
export const RELAY_MAX_REQUEST_BYTES = 512 * 1024;

interface Outgoing {
  entry: OutboxEntry;
  record: OutgoingRecord;
  bytes: number;
}

/** A per-record estimate of what the produce request adds around key, value and headers. */
const RECORD_OVERHEAD_BYTES = 64;
/** Broker answers that belong to the record or its topic: retrying the same record gets the same answer. */
const ROW_FAULTS = new Set([
  "MESSAGE_TOO_LARGE",
  "RECORD_LIST_TOO_LARGE",
  "INVALID_RECORD",
  "INVALID_TIMESTAMP",
  "UNKNOWN_TOPIC_OR_PARTITION",
  "INVALID_TOPIC_EXCEPTION",
  "TOPIC_AUTHORIZATION_FAILED",
]);

function faultTypes(error: unknown): string[] {
  return kafkaErrorNames(error).filter((name) => ROW_FAULTS.has(name));
}

function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const names = kafkaErrorNames(error);
  return (names.length > 0 ? `${[...new Set(names)].join(", ")}: ${message}` : message).slice(0, 1000);
}

function toOutgoing(entry: OutboxEntry): Outgoing {
  let bytes = RECORD_OVERHEAD_BYTES + (entry.value?.length ?? 0) + (entry.key?.length ?? 0);
  for (const [name, value] of Object.entries(entry.headers)) bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  return { entry, record: { topic: entry.topic, key: entry.key, value: entry.value, headers: entry.headers }, bytes };
}

/** Consecutive entries, each chunk at most `maxBytes` (a larger entry goes alone). */
function chunksByBytes(outgoing: readonly Outgoing[], maxBytes: number): Outgoing[][] {
  const chunks: Outgoing[][] = [];
  let current: Outgoing[] = [];
  let bytes = 0;
  for (const item of outgoing) {
    if (current.length > 0 && bytes + item.bytes > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Publishes outbox entries with an idempotent producer. Requests stay under RELAY_MAX_REQUEST_BYTES.
 * When one fails, its entries are sent one at a time, so a record the broker refuses (too large,
 * topic gone) never holds back the ones behind it: it fails alone, counted against its row. Failures
 * that look like the broker's (nothing goes through) count against no row: an outage.
 */
export function createOutboxPublisher(kafka: KafkaClient): OutboxPublisher {
  let producer: RecordProducer | undefined;
  let admin: ReturnType<typeof createAdmin> | undefined;
  // Topics seen on the broker. A client retries a send to a missing topic for a long time, so entries
  // for a topic not known here are checked against the broker's list before anything is sent.
  const knownTopics = new Set<string>();

  async function missingTopics(topics: readonly string[]): Promise<Set<string>> {
    const unknown = new Set(topics.filter((topic) => !knownTopics.has(topic)));
    if (unknown.size === 0 || admin === undefined) return new Set();
    for (const topic of await admin.listTopics()) knownTopics.add(topic);
    return new Set([...unknown].filter((topic) => !knownTopics.has(topic)));
  }

  async function send(active: RecordProducer, items: readonly Outgoing[]): Promise<void> {
    await active.send(items.map((item) => item.record));
  }

  function entryFailure(entry: OutboxEntry, error: unknown): PublishFailure {
    const types = faultTypes(error);
    if (types.includes("UNKNOWN_TOPIC_OR_PARTITION")) knownTopics.delete(entry.topic);
    return { entry, error: errorText(error), counts: types.length > 0 };
  }

  /**
   * After a failed request: each entry alone. A failure the broker blames on the record counts; any other
   * counts only when other entries of the chunk went through (the broker is fine, this record is not).
   */
  async function sendOneByOne(active: RecordProducer, chunk: readonly Outgoing[], chunkError: unknown): Promise<PublishOutcome> {
    const published: OutboxEntry[] = [];
    const failures: PublishFailure[] = [];
    for (const item of chunk) {
      let error: unknown;
      if (chunk.length === 1) {
        error = chunkError;
      } else {
        try {
          await send(active, [item]);
          published.push(item.entry);
          continue;
        } catch (caught) {
          error = caught;
        }
      }
      const failure = entryFailure(item.entry, error);
      failures.push(failure);
      if (!failure.counts && published.length === 0) {
        return { published, failures, outage: error instanceof Error ? error : new Error(String(error)) };
      }
    }
    if (published.length > 0) for (const failure of failures) failure.counts = true;
    return { published, failures, outage: null };
  }

  return {
    async start() {
      producer = createRecordProducer(kafka);
      admin = createAdmin(kafka);
    },
    async stop() {
      await producer?.close();
      producer = undefined;
      await admin?.close();
      admin = undefined;
    },
    async publish(entries) {
      const outcome: PublishOutcome = { published: [], failures: [], outage: null };
      const active = producer;
      if (active === undefined || entries.length === 0) return outcome;
      const missing = await missingTopics([...new Set(entries.map((entry) => entry.topic))]);
      const sendable: Outgoing[] = [];
      for (const entry of entries) {
        if (missing.has(entry.topic)) outcome.failures.push({ entry, error: `topic ${entry.topic} does not exist`, counts: true });
        else sendable.push(toOutgoing(entry));
      }
      for (const chunk of chunksByBytes(sendable, RELAY_MAX_REQUEST_BYTES)) {
        try {
          await send(active, chunk);
          outcome.published.push(...chunk.map((item) => item.entry));
          continue;
        } catch (error) {
          const alone = await sendOneByOne(active, chunk, error);
          outcome.published.push(...alone.published);
          outcome.failures.push(...alone.failures);
          outcome.outage = alone.outage;
        }
        // The rest waits for the relay's next pass after its back-off.
        if (outcome.outage !== null) break;
      }
      return outcome;
    },
  };
}

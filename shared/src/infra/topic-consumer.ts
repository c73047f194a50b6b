import { DEAD_LETTER_HEADERS, type DeadLetterErrorCode, deadLetterTopicOf } from "../contracts/index.ts";
import { type Knex, applyAtStoredOffset, loadGroupOffsets } from "../db/index.ts";
import { applyBatchOrOneByOne, refusalReason } from "./refused-batch.ts";
import {
  type BatchDecision,
  type InboundMessage,
  type PartitionBatch,
  type PostgresOffsetsConsumer,
  type PostgresOffsetsConsumerOptions,
  createPostgresOffsetsConsumer,
} from "./postgres-offsets-consumer.ts";

export interface DeadLetter {
  offset: string;
  errorCode: DeadLetterErrorCode;
  reason: string;
}

export interface HandlerResult {
  deadLetters: DeadLetter[];
  /** Events by outcome, for metrics. */
  outcomes: Record<string, number>;
  /** Runs after the transaction committed (live updates, metrics); must never throw. */
  afterCommit: (() => Promise<void>) | null;
}

/**
 * Applies one topic's messages (fresh, in offset order) inside the batch's transaction. The
 * topic consumer owns offsets, dead letters, the refused-batch fallback and the commit, so a
 * service contributes only handlers, and adding a topic is one more handler.
 */
export interface TopicHandler {
  apply(trx: Knex.Transaction, messages: readonly InboundMessage[]): Promise<HandlerResult>;
}

/** A dead letter as it goes to `<topic>.dlq`: the original key, bytes and headers, and the reason headers. */
export interface DeadLetterRecord {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export interface CommittedBatch {
  topic: string;
  partition: number;
  /** Messages applied, and those below the stored offset (already applied, skipped). */
  fresh: number;
  skipped: number;
  outcomes: Record<string, number>;
  deadLetters: readonly DeadLetter[];
  seconds: number;
}

export interface TopicConsumerOptions extends Pick<
  PostgresOffsetsConsumerOptions,
  | "kafka"
  | "group"
  | "partitionsConsumedConcurrently"
  | "maxBytesPerPartition"
  | "maxWaitTimeInMs"
  | "sessionTimeoutMs"
  | "groupProtocol"
  | "groupInstanceId"
  | "logger"
  | "onLag"
  | "onFatal"
> {
  db: Knex;
  handlers: ReadonlyMap<string, TopicHandler>;
  /**
   * Where a partition without a stored offset starts: the log start (counts need the whole
   * history), or the first message Kafka delivered (a new notifier database must not notify every
   * crossing the topic still holds).
   */
  startAt: "log-start" | "first-delivered";
  /**
   * Writes dead letters inside the batch's transaction, before it commits: the counter into its
   * outbox, the notifier straight to Kafka (acknowledged before the commit).
   */
  writeDeadLetters: (trx: Knex.Transaction, records: readonly DeadLetterRecord[]) => Promise<void>;
  /** After each commit (never for a rolled-back batch). */
  onCommitted?: (batch: CommittedBatch) => void;
  onSeek?: (topic: string) => void;
}

/** The records sending `letters` to `<topic>.dlq`, each with its original's key, bytes and headers. */
export function deadLetterRecords(
  topic: string,
  partition: number,
  messages: readonly InboundMessage[],
  letters: readonly DeadLetter[],
  failedAt: Date,
): DeadLetterRecord[] {
  const byOffset = new Map(messages.map((message) => [message.offset, message]));
  return letters.map((letter) => {
    const original = byOffset.get(letter.offset);
    return {
      topic: deadLetterTopicOf(topic),
      key: original?.key ?? null,
      value: original?.value ?? null,
      headers: {
        // Kept on the refusal path too (README: original bytes and headers).
        ...original?.headers,
        [DEAD_LETTER_HEADERS.reason]: letter.reason,
        [DEAD_LETTER_HEADERS.errorCode]: letter.errorCode,
        [DEAD_LETTER_HEADERS.sourceTopic]: topic,
        [DEAD_LETTER_HEADERS.sourcePartition]: String(partition),
        [DEAD_LETTER_HEADERS.sourceOffset]: letter.offset,
        [DEAD_LETTER_HEADERS.failedAt]: failedAt.toISOString(),
      },
    };
  });
}

const LOG_START = "0";

/**
 * The streaming-worker layer of the counter and the notifier (DESIGN.md "Exactly-once"): the
 * transport (createPostgresOffsetsConsumer, which owns the conversion to InboundMessage) hands over
 * one partition's batch; this applies it in ONE Postgres transaction under the stored offset
 * (applyAtStoredOffset): the topic handler's changes, its dead letters and the new position commit
 * together. A batch the database refuses for its data is applied one message at a time and only the
 * refused one dead-lettered (applyBatchOrOneByOne). Metrics and after-commit hooks run after the
 * commit, so a rolled-back (retried) batch is never counted twice.
 */
export function createTopicConsumer(options: TopicConsumerOptions): PostgresOffsetsConsumer {
  const { db, handlers, logger } = options;

  async function applyInTransaction(
    topic: string,
    partition: number,
    messages: readonly InboundMessage[],
    acceptGapFrom: string | undefined,
    refusedBy: Error | null,
  ): Promise<BatchDecision> {
    const handler = handlers.get(topic);
    if (handler === undefined) throw new Error(`no handler for topic ${topic}`);
    const started = process.hrtime.bigint();
    const startAt = options.startAt === "log-start" ? LOG_START : (messages[0]?.offset ?? LOG_START);
    const outcome = await db.transaction((trx) =>
      applyAtStoredOffset(trx, { group: options.group, topic, partition, startAt, acceptGapFrom }, messages, async (fresh) => {
        const result: HandlerResult =
          refusedBy === null
            ? await handler.apply(trx, fresh)
            : {
                deadLetters: fresh.map((message) => ({ offset: message.offset, errorCode: "rejected", reason: refusalReason(refusedBy) })),
                outcomes: { rejected: fresh.length },
                afterCommit: null,
              };
        if (result.deadLetters.length > 0)
          await options.writeDeadLetters(trx, deadLetterRecords(topic, partition, fresh, result.deadLetters, new Date()));
        return result;
      }),
    );
    if (outcome.kind === "seek") {
      options.onSeek?.(topic);
      logger.warn(
        { topic, partition, batchFirstOffset: messages[0]?.offset, storedOffset: outcome.offset },
        "batch starts after the stored offset; seeking back",
      );
      return outcome;
    }
    const result = outcome.applied;
    for (const letter of result?.deadLetters ?? []) {
      logger.warn(
        { topic, partition, offset: letter.offset, code: letter.errorCode, reason: letter.reason },
        "event sent to the dead-letter topic",
      );
    }
    options.onCommitted?.({
      topic,
      partition,
      fresh: outcome.fresh,
      skipped: outcome.skipped,
      outcomes: result?.outcomes ?? {},
      deadLetters: result?.deadLetters ?? [],
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
    });
    if (result?.afterCommit) await result.afterCommit();
    return { kind: "committed", nextOffset: outcome.nextOffset };
  }

  return createPostgresOffsetsConsumer({
    kafka: options.kafka,
    group: options.group,
    topics: [...handlers.keys()],
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
    maxBytesPerPartition: options.maxBytesPerPartition,
    maxWaitTimeInMs: options.maxWaitTimeInMs,
    sessionTimeoutMs: options.sessionTimeoutMs,
    groupProtocol: options.groupProtocol,
    groupInstanceId: options.groupInstanceId,
    logger,
    loadPositions: () => loadGroupOffsets(db, options.group),
    onLag: options.onLag,
    onFatal: options.onFatal,
    applyBatch: (batch: PartitionBatch, acceptGapFrom) =>
      applyBatchOrOneByOne(
        batch.messages,
        acceptGapFrom,
        (messages, gap, refusedBy) => applyInTransaction(batch.topic, batch.partition, messages, gap, refusedBy),
        {
          onRefused: (error) =>
            logger.warn(
              { err: error.message, topic: batch.topic, partition: batch.partition },
              "batch refused; applying it one event at a time",
            ),
        },
      ),
  });
}

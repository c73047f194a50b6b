import { DEAD_LETTER_HEADERS, deadLetterTopicOf } from "@honorarium/shared/contracts";
import { type Knex, applyAtStoredOffset } from "@honorarium/shared/db";
import { type BatchDecision, applyBatchOrOneByOne, refusalReason } from "@honorarium/shared/infra";
import type { Logger } from "@honorarium/shared";
import { type OutboxMessage, insertOutboxMessages } from "../adapters/postgres/outbox.ts";
import type { CounterMetrics } from "../metrics.ts";
import type { HandlerResult, InboundMessage, TopicHandler } from "./topic-handler.ts";

export interface PartitionBatch {
  topic: string;
  partition: number;
  messages: readonly InboundMessage[];
}

export interface ApplyPartitionBatchDeps {
  db: Knex;
  group: string;
  handlers: ReadonlyMap<string, TopicHandler>;
  metrics: CounterMetrics;
  logger: Logger;
}

/** Counts need the whole history: a partition without a stored offset starts at the log start. */
const COUNT_FROM_LOG_START = "0";

/**
 * DESIGN.md "Exactly-once": one Postgres transaction per topic-partition batch, under the stored
 * offset (applyAtStoredOffset): the handler's changes, its dead-letter rows and the new position
 * commit together.
 */
async function applyInTransaction(
  deps: ApplyPartitionBatchDeps,
  batch: PartitionBatch,
  heartbeat: () => Promise<void>,
  acceptGapFrom: string | undefined,
  refusedBy: Error | null,
): Promise<BatchDecision> {
  const handler = deps.handlers.get(batch.topic);
  if (handler === undefined) throw new Error(`no handler for topic ${batch.topic}`);
  const started = process.hrtime.bigint();

  const outcome = await deps.db.transaction((trx) =>
    applyAtStoredOffset(
      trx,
      { group: deps.group, topic: batch.topic, partition: batch.partition, startAt: COUNT_FROM_LOG_START, acceptGapFrom },
      batch.messages,
      async (fresh): Promise<HandlerResult> => {
        const result: HandlerResult =
          refusedBy === null
            ? await handler.apply(trx, fresh, heartbeat)
            : {
                deadLetters: fresh.map((message) => ({
                  offset: message.offset,
                  errorCode: "rejected",
                  reason: refusalReason(refusedBy),
                })),
                outcomes: { rejected: fresh.length },
                afterCommit: null,
              };
        if (result.deadLetters.length > 0) await insertOutboxMessages(trx, deadLetterRows(batch, fresh, result));
        return result;
      },
    ),
  );

  if (outcome.kind === "seek") {
    deps.metrics.seeks.inc({ topic: batch.topic });
    deps.logger.warn(
      { topic: batch.topic, partition: batch.partition, batchFirstOffset: batch.messages[0]?.offset, storedOffset: outcome.offset },
      "batch starts after the stored offset; seeking back",
    );
    return outcome;
  }
  // Metrics are recorded after the commit, so a rolled-back (retried) batch is not counted twice.
  deps.metrics.skipped.inc({ topic: batch.topic }, outcome.skipped);
  const result = outcome.applied;
  if (result !== undefined) {
    for (const letter of result.deadLetters) deps.metrics.deadLetters.inc({ topic: batch.topic, code: letter.errorCode });
    for (const [name, count] of Object.entries(result.outcomes)) deps.metrics.events.inc({ topic: batch.topic, outcome: name }, count);
    deps.metrics.batchSize.observe({ topic: batch.topic }, outcome.fresh);
  }
  deps.metrics.batchSeconds.observe({ topic: batch.topic }, Number(process.hrtime.bigint() - started) / 1e9);
  if (result?.afterCommit) await result.afterCommit();
  return { kind: "committed", nextOffset: outcome.nextOffset };
}

/** Outbox rows sending the handler's dead letters to `<topic>.dlq` with the original bytes. */
function deadLetterRows(batch: PartitionBatch, fresh: readonly InboundMessage[], result: HandlerResult): OutboxMessage[] {
  const byOffset = new Map(fresh.map((message) => [message.offset, message]));
  const failedAt = new Date().toISOString();
  return result.deadLetters.map((letter) => {
    const original = byOffset.get(letter.offset);
    return {
      kind: "dead_letter",
      topic: deadLetterTopicOf(batch.topic),
      // insertOutboxMessages makes key and headers storable (NUL, non-UTF-8); the payload is bytea, kept as is.
      key: original?.key ?? null,
      payload: original?.value ?? null,
      headers: {
        // Kept on the refusal path too (README: original bytes and headers): insertOutboxMessages
        // escapes what Postgres text cannot hold, so copying them cannot fail the insert again.
        ...original?.headers,
        [DEAD_LETTER_HEADERS.reason]: letter.reason,
        [DEAD_LETTER_HEADERS.errorCode]: letter.errorCode,
        [DEAD_LETTER_HEADERS.sourceTopic]: batch.topic,
        [DEAD_LETTER_HEADERS.sourcePartition]: String(batch.partition),
        [DEAD_LETTER_HEADERS.sourceOffset]: letter.offset,
        [DEAD_LETTER_HEADERS.failedAt]: failedAt,
      },
      eventId: null,
    };
  });
}

/**
 * DESIGN.md "Exactly-once", see applyInTransaction; a batch the database refuses for its data is
 * applied one event at a time and the refused one dead-lettered (shared applyBatchOrOneByOne).
 */
export async function applyPartitionBatch(
  deps: ApplyPartitionBatchDeps,
  batch: PartitionBatch,
  heartbeat: () => Promise<void>,
  acceptGapFrom: string | undefined,
): Promise<BatchDecision> {
  return applyBatchOrOneByOne(
    batch.messages,
    acceptGapFrom,
    (messages, gap, refusedBy) => applyInTransaction(deps, { ...batch, messages }, heartbeat, gap, refusedBy),
    {
      heartbeat,
      onRefused: (error) =>
        deps.logger.warn(
          { err: error.message, topic: batch.topic, partition: batch.partition },
          "batch refused; applying it one event at a time",
        ),
    },
  );
}

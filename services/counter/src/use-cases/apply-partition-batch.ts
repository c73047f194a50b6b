import { DEAD_LETTER_HEADERS, deadLetterTopicOf } from "@honorarium/shared/contracts";
import { type Knex, applyAtStoredOffset } from "@honorarium/shared/db";
import type { BatchDecision } from "@honorarium/shared/infra";
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

/** The database's words without the statement knex puts in front of them (ids only, no payload). */
function refusalReason(error: Error): string {
  const { code, constraint } = error as { code?: string; constraint?: string };
  const message = error.message.split(" - ").at(-1) ?? error.message;
  return `the database refused the event (${code ?? "?"}${constraint === undefined ? "" : ` ${constraint}`}): ${message}`.slice(0, 500);
}

/** A Postgres data exception (class 22) or constraint violation (class 23): the input's fault, not the system's. */
function isDataError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === "string" && (code.startsWith("22") || code.startsWith("23"));
}

/**
 * DESIGN.md "Exactly-once", see applyInTransaction. When the database refuses a batch because of
 * its data (an event valid by schema but not storable), the messages are applied one at a time
 * and the refused one is dead-lettered, so one bad event never blocks its partition.
 */
export async function applyPartitionBatch(
  deps: ApplyPartitionBatchDeps,
  batch: PartitionBatch,
  heartbeat: () => Promise<void>,
  acceptGapFrom: string | undefined,
): Promise<BatchDecision> {
  try {
    return await applyInTransaction(deps, batch, heartbeat, acceptGapFrom, null);
  } catch (error) {
    if (!isDataError(error)) throw error;
    deps.logger.warn(
      { err: error.message, topic: batch.topic, partition: batch.partition },
      "batch refused; applying it one event at a time",
    );
  }
  let decision: BatchDecision | undefined;
  let gap = acceptGapFrom;
  for (const message of batch.messages) {
    const single = { ...batch, messages: [message] };
    try {
      decision = await applyInTransaction(deps, single, heartbeat, gap, null);
    } catch (error) {
      if (!isDataError(error)) throw error;
      decision = await applyInTransaction(deps, single, heartbeat, gap, error);
    }
    if (decision.kind === "seek") return decision;
    // Offsets missing inside a fetched batch are real gaps (compaction, transaction markers).
    gap = (BigInt(message.offset) + 1n).toString();
    await heartbeat();
  }
  if (decision === undefined) throw new Error("applyPartitionBatch needs at least one message");
  return decision;
}

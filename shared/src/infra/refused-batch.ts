import type { BatchDecision } from "./postgres-offsets-consumer.ts";

/** A Postgres data exception (class 22) or constraint violation (class 23): the input's fault, not the system's. */
export function isDataError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === "string" && (code.startsWith("22") || code.startsWith("23"));
}

/** The database's words without the statement knex puts in front of them (ids only, no payload). */
export function refusalReason(error: Error): string {
  const { code, constraint } = error as { code?: string; constraint?: string };
  const message = error.message.split(" - ").at(-1) ?? error.message;
  return `the database refused the event (${code ?? "?"}${constraint === undefined ? "" : ` ${constraint}`}): ${message}`.slice(0, 500);
}

/**
 * Applies `messages` in one transaction; `refusedBy` non-null asks the apply to dead-letter the
 * messages instead of applying them (and still to move the stored offset past them).
 */
export type RefusableApply<M> = (
  messages: readonly M[],
  acceptGapFrom: string | undefined,
  refusedBy: Error | null,
) => Promise<BatchDecision>;

/**
 * DESIGN.md "Exactly-once" with one bad event: when the database refuses a batch because of its
 * data (an event valid by the input rules but still not storable), the messages are applied one
 * at a time and only the refused one is dead-lettered, so it never blocks its partition. Other
 * errors (the database unreachable) are thrown for the consumer to retry. The counter and the
 * notifier both apply through this.
 */
export async function applyBatchOrOneByOne<M extends { offset: string }>(
  messages: readonly M[],
  acceptGapFrom: string | undefined,
  apply: RefusableApply<M>,
  options: { onRefused?: (error: Error) => void },
): Promise<BatchDecision> {
  try {
    return await apply(messages, acceptGapFrom, null);
  } catch (error) {
    if (!isDataError(error)) throw error;
    options.onRefused?.(error);
  }
  let decision: BatchDecision | undefined;
  let gap = acceptGapFrom;
  for (const message of messages) {
    try {
      decision = await apply([message], gap, null);
    } catch (error) {
      if (!isDataError(error)) throw error;
      decision = await apply([message], gap, error);
    }
    if (decision.kind === "seek") return decision;
    // Offsets missing inside a fetched batch are real gaps (compaction, transaction markers).
    gap = (BigInt(message.offset) + 1n).toString();
  }
  if (decision === undefined) throw new Error("applyBatchOrOneByOne needs at least one message");
  return decision;
}

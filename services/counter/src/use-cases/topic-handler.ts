import type { DeadLetterErrorCode } from "@honorarium/shared/contracts";
import type { Knex } from "@honorarium/shared/db";

/** One Kafka message as the batch machinery hands it to a handler. */
export interface InboundMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  /** The broker timestamp (ms since the epoch, as text): the reference of the input rules' time window. */
  timestamp: string;
}

export interface DeadLetter {
  offset: string;
  errorCode: DeadLetterErrorCode;
  reason: string;
}

export interface HandlerResult {
  deadLetters: DeadLetter[];
  /** Events by outcome, for metrics. */
  outcomes: Record<string, number>;
  /** Runs after the transaction committed (live updates); must never throw. */
  afterCommit: (() => Promise<void>) | null;
}

/**
 * Applies one topic's messages (fresh, in offset order) inside the batch's transaction.
 * The machinery around it owns offsets, dead-letter rows and the commit, so adding a topic
 * (e.g. assignment.delivery.v1) is one more handler, nothing else.
 */
export interface TopicHandler {
  apply(trx: Knex.Transaction, messages: readonly InboundMessage[], heartbeat: () => Promise<void>): Promise<HandlerResult>;
}

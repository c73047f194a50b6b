import { randomUUID } from "node:crypto";
import {
  assignmentCancelledSchema,
  assignmentCancelledTimes,
  assignmentConfirmedSchema,
  assignmentConfirmedTimes,
  decodeEvent,
} from "@honorarium/shared/contracts";
import { type Knex, loadTiersForEvaluation, loadTimeZones } from "@honorarium/shared/db";
import {
  type CountingEvent,
  type LedgerEntry,
  type MentorChange,
  countYearsNeeded,
  ledgerKey,
  planCountingBatch,
} from "../domain/counting-plan.ts";
import { thresholdCrossedEventOf } from "../domain/threshold-crossed-event.ts";
import {
  insertNewLedgerEntries,
  lockMentors,
  loadLedger,
  loadMonthCounts,
  loadOpeningBalances,
  writeCountingPlan,
} from "../adapters/postgres/counting-store.ts";
import type { DeadLetter, HandlerResult, TopicHandler } from "@honorarium/shared/infra";

export interface CountingHandlerOptions {
  /** Reads configuration (time zones, tiers) beside the batch's transaction, in parallel with it. */
  db: Knex;
  kind: CountingEvent["kind"];
  maxMessageBytes: number;
  thresholdCrossedTopic: string;
  /** Publishes changed counts after the commit (best effort). */
  publishChanges: (changes: MentorChange[]) => Promise<void>;
  newId?: () => string;
  /** Receives per-stage timings (ms) of each batch, for debug logs. */
  onTimings?: (timings: Record<string, number>) => void;
}

/**
 * The second plan's new rows must be exactly those the first plan's insert wrote: the pairs that
 * had no row (each row is built from the batch's events alone, so the same pairs mean the same
 * rows). Anything else would leave the ledger and the counts apart, so the batch fails instead
 * (and is retried from its offset).
 */
function assertSameInserts(
  attempted: readonly LedgerEntry[],
  existing: readonly { assignmentId: string; peerMentorId: string }[],
  replanned: readonly LedgerEntry[],
): void {
  const keyOf = (pair: { assignmentId: string; peerMentorId: string }) => ledgerKey(pair.assignmentId, pair.peerMentorId);
  const skipped = new Set(existing.map(keyOf));
  const written = new Set(attempted.map(keyOf).filter((key) => !skipped.has(key)));
  if (written.size !== replanned.length || !replanned.every((entry) => written.has(keyOf(entry)))) {
    throw new Error("counting: the re-planned batch would insert other ledger rows than were inserted");
  }
}

/** assignment.confirmed.v1 / assignment.cancelled.v1: ledger, counters, crossings, review flags, outbox. */
export function createCountingHandler(options: CountingHandlerOptions): TopicHandler {
  const newId = options.newId ?? randomUUID;
  return {
    async apply(trx, messages): Promise<HandlerResult> {
      const timings: Record<string, number> = { messages: messages.length };
      let mark = performance.now();
      const lap = (stage: string) => {
        const now = performance.now();
        timings[stage] = Math.round((now - mark) * 10) / 10;
        mark = now;
      };
      const deadLetters: DeadLetter[] = [];
      const events: CountingEvent[] = [];
      for (const message of messages) {
        if (options.kind === "confirmed") {
          const decoded = decodeEvent(message.value, message.timestamp, {
            schema: assignmentConfirmedSchema,
            timeFields: assignmentConfirmedTimes,
            maxBytes: options.maxMessageBytes,
          });
          if (decoded.ok) events.push({ kind: "confirmed", offset: message.offset, event: decoded.event });
          else deadLetters.push({ offset: message.offset, errorCode: decoded.errorCode, reason: decoded.reason });
        } else {
          const decoded = decodeEvent(message.value, message.timestamp, {
            schema: assignmentCancelledSchema,
            timeFields: assignmentCancelledTimes,
            maxBytes: options.maxMessageBytes,
          });
          if (decoded.ok) events.push({ kind: "cancelled", offset: message.offset, event: decoded.event });
          else deadLetters.push({ offset: message.offset, errorCode: decoded.errorCode, reason: decoded.reason });
        }
      }
      if (events.length === 0) return { deadLetters, outcomes: {}, afterCommit: null };
      lap("decode");

      // Configuration is read committed on other connections while the transaction locks and
      // reads the ledger: two round trips fewer on the batch's critical path.
      const organizationIds = [...new Set(events.map(({ event }) => event.organizationId))];
      const configuration = Promise.all([
        loadTimeZones(options.db, organizationIds),
        options.kind === "confirmed" ? loadTiersForEvaluation(options.db, organizationIds) : Promise.resolve(new Map()),
      ]);
      configuration.catch(() => undefined);
      await lockMentors(
        trx,
        events.map(({ event }) => ({ organizationId: event.organizationId, peerMentorId: event.peerMentorId })),
      );
      lap("lock");
      // Only cancellations read the ledger up front (they act on what their confirmation left).
      // A confirmation is planned as new and its row inserted as such; the primary key finds the
      // few that are not (a duplicate, a late confirmation after its cancellation), and the batch
      // is then planned again knowing them. Under the mentors' locks nothing else writes these rows.
      const ledger = await loadLedger(
        trx,
        events.flatMap(({ kind, event }) =>
          kind === "cancelled" ? [{ assignmentId: event.assignmentId, peerMentorId: event.peerMentorId }] : [],
        ),
      );
      lap("loadLedger");
      const [timeZones, tiersByOrganization] = await configuration;
      lap("loadConfig");
      const [monthCounts, openingBalances] = await Promise.all([
        loadMonthCounts(trx, countYearsNeeded(events, ledger, timeZones)),
        loadOpeningBalances(
          trx,
          events.map(({ event }) => ({ organizationId: event.organizationId, peerMentorId: event.peerMentorId })),
        ),
      ]);
      lap("loadCounts");
      let plan = planCountingBatch({ ledger, monthCounts, tiersByOrganization, timeZones, openingBalances }, events, newId);
      lap("plan");
      const existing = await insertNewLedgerEntries(trx, plan.ledgerInserts);
      lap("insertLedger");
      if (existing.length > 0) {
        const known = new Map([...ledger, ...(await loadLedger(trx, existing))]);
        const attempted = plan.ledgerInserts;
        plan = planCountingBatch({ ledger: known, monthCounts, tiersByOrganization, timeZones, openingBalances }, events, newId);
        assertSameInserts(attempted, existing, plan.ledgerInserts);
        lap("replan");
      }

      for (const rejection of plan.rejections)
        deadLetters.push({ offset: rejection.offset, errorCode: "rejected", reason: rejection.reason });
      const inserted = await writeCountingPlan(trx, plan, (crossings) =>
        crossings.map((crossing) => {
          const event = thresholdCrossedEventOf(crossing);
          return {
            recordId: crossing.recordId,
            topic: options.thresholdCrossedTopic,
            key: crossing.peerMentorId,
            payload: JSON.stringify(event),
            headers: { "content-type": "application/json" },
            eventId: event.eventId,
          };
        }),
      );
      lap("write");
      options.onTimings?.(timings);

      const insertedIds = new Set(inserted.map((crossing) => crossing.recordId));
      const changes = plan.mentorChanges.map((change) => ({
        ...change,
        crossedRecordIds: change.crossedRecordIds.filter((id) => insertedIds.has(id)),
      }));
      const outcomes: Record<string, number> = {};
      for (const { outcome } of plan.outcomes) outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      return {
        deadLetters,
        outcomes,
        afterCommit: changes.length === 0 ? null : () => options.publishChanges(changes),
      };
    },
  };
}

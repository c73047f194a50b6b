import type { ThresholdCrossed } from "@honorarium/shared/contracts";
import type { Logger } from "@honorarium/shared";
import { refusalReason } from "@honorarium/shared/infra";
import type { DeadLetter, DeadLetterProducer } from "../adapters/kafka/dead-letter-producer.ts";
import type { PartitionBatchHandler } from "../adapters/postgres/offset-guarded-apply.ts";
import { insertJobs, loadRecipientChannels, loadRecordedAt, markCoordinatorNotified } from "../adapters/postgres/notification-store.ts";
import { decodeThresholdCrossed, planThresholdNotifications } from "../domain/notifications.ts";
import type { NotifierMetrics } from "../metrics.ts";

export interface IngestDependencies {
  deadLetters: DeadLetterProducer;
  webPushEnabled: boolean;
  deepLinkBaseUrl: string;
  metrics: NotifierMetrics;
  logger: Logger;
}

/**
 * honorarium.threshold-crossed.v1 → notification jobs, inside the consumer's transaction:
 * invalid messages become dead letters, each valid event becomes one job per recipient and
 * channel (re-published events add nothing), in-app rows are written at once.
 */
export function createThresholdIngest(deps: IngestDependencies): PartitionBatchHandler {
  return async ({ trx, topic, partition, messages, refusedBy }) => {
    const stopTimer = deps.metrics.ingestBatchSeconds.startTimer();
    const events: { event: ThresholdCrossed; publishedAt: Date }[] = [];
    const deadLetters: DeadLetter[] = [];
    for (const message of messages) {
      if (refusedBy !== null) {
        // The database refused this message's data: dead-lettered (original bytes and headers) instead of applied.
        deadLetters.push({ sourceTopic: topic, sourcePartition: partition, message, code: "rejected", reason: refusalReason(refusedBy) });
        continue;
      }
      const decoded = decodeThresholdCrossed(message.value, message.timestamp);
      if (decoded.valid) events.push({ event: decoded.event, publishedAt: new Date(Number(message.timestamp)) });
      else deadLetters.push({ sourceTopic: topic, sourcePartition: partition, message, code: decoded.code, reason: decoded.reason });
    }
    if (deadLetters.length > 0) {
      await deps.deadLetters.send(deadLetters);
      deps.metrics.deadLetters.inc(deadLetters.length);
      for (const letter of deadLetters) {
        deps.logger.warn(
          { topic, partition, offset: letter.message.offset, code: letter.code, reason: letter.reason },
          "invalid event sent to the dead-letter topic",
        );
      }
    }
    if (events.length === 0) {
      stopTimer();
      return;
    }

    const channels = await loadRecipientChannels(
      trx,
      events.map(({ event }) => event.organizationId),
      events.flatMap(({ event }) => (event.notifyMentor ? [event.coordinatorId, event.peerMentorId] : [event.coordinatorId])),
      deps.webPushEnabled,
    );
    // Latency starts when the crossing was recorded; without the record (another database),
    // when the event was published.
    const recordedAt = await loadRecordedAt(
      trx,
      events.map(({ event }) => event.recordId),
    );
    const plans = events.map(({ event, publishedAt }) =>
      planThresholdNotifications(event, channels, deps.deepLinkBaseUrl, recordedAt.get(event.recordId) ?? publishedAt),
    );
    const inserted = await insertJobs(
      trx,
      plans.flatMap((plan) => plan.jobs),
    );
    await markCoordinatorNotified(
      trx,
      events.filter((_, index) => plans[index]?.coordinatorNotifiedOnIngest === true).map(({ event }) => event.recordId),
    );
    for (const job of inserted) {
      if (job.channel === "in_app") {
        deps.metrics.sends.inc({ channel: "in_app", outcome: "delivered" });
        deps.metrics.observeDelivered("in_app", job.kind, job.sourceRecordedAt, job.deliveredAt);
      }
    }
    deps.metrics.eventsIngested.inc(events.length);
    stopTimer();
  };
}

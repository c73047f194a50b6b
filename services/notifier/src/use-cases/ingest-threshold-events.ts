import type { ThresholdCrossed } from "@honorarium/shared/contracts";
import type { DeadLetter, TopicHandler } from "@honorarium/shared/infra";
import { insertJobs, loadRecipientChannels, loadRecordedAt, markCoordinatorNotified } from "../adapters/postgres/notification-store.ts";
import { decodeThresholdCrossed, planThresholdNotifications } from "../domain/notifications.ts";
import type { NotifierMetrics } from "../metrics.ts";

export interface IngestDependencies {
  webPushEnabled: boolean;
  deepLinkBaseUrl: string;
  metrics: NotifierMetrics;
}

/**
 * honorarium.threshold-crossed.v1 → notification jobs, inside the consumer's transaction:
 * invalid messages become dead letters, each valid event becomes one job per recipient and
 * channel (re-published events add nothing), in-app rows are written at once.
 */
export function createThresholdIngest(deps: IngestDependencies): TopicHandler {
  return {
    async apply(trx, messages) {
      const stopTimer = deps.metrics.ingestBatchSeconds.startTimer();
      const events: { event: ThresholdCrossed; publishedAt: Date }[] = [];
      const deadLetters: DeadLetter[] = [];
      for (const message of messages) {
        const decoded = decodeThresholdCrossed(message.value, message.timestamp);
        if (decoded.valid) events.push({ event: decoded.event, publishedAt: new Date(Number(message.timestamp)) });
        else deadLetters.push({ offset: message.offset, errorCode: decoded.code, reason: decoded.reason });
      }
      if (events.length === 0) {
        stopTimer();
        return { deadLetters, outcomes: { ingested: 0 }, afterCommit: null };
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
      stopTimer();
      const inApp = inserted.filter((job) => job.channel === "in_app");
      return {
        deadLetters,
        outcomes: { ingested: events.length },
        // Counted once committed: a rolled-back (retried) batch delivered nothing.
        afterCommit: async () => {
          for (const job of inApp) {
            deps.metrics.sends.inc({ channel: "in_app", outcome: "delivered" });
            deps.metrics.observeDelivered("in_app", job.kind, job.sourceRecordedAt, job.deliveredAt);
          }
        },
      };
    },
  };
}

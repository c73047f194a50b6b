/**
 * Topic names are a public contract: other teams produce and consume them.
 * Never rename one; version by adding `.v2` beside it.
 */
export const TOPICS = {
  assignmentConfirmed: "assignment.confirmed.v1",
  assignmentCancelled: "assignment.cancelled.v1",
  assignmentDelivery: "assignment.delivery.v1",
  thresholdCrossed: "honorarium.threshold-crossed.v1",
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/** Invalid messages of `<topic>` go to `<topic>.dlq` with their original bytes. */
export function deadLetterTopicOf(topic: string): string {
  return `${topic}.dlq`;
}

/** Headers a dead letter carries beside the original message's own headers. */
export const DEAD_LETTER_HEADERS = {
  reason: "dlq-reason",
  errorCode: "dlq-error-code",
  sourceTopic: "dlq-source-topic",
  sourcePartition: "dlq-source-partition",
  sourceOffset: "dlq-source-offset",
  failedAt: "dlq-failed-at",
} as const;

export const DEAD_LETTER_ERROR_CODES = ["not_json", "schema", "too_large", "rejected"] as const;
export type DeadLetterErrorCode = (typeof DEAD_LETTER_ERROR_CODES)[number];

import { z } from "zod";
import { assignmentCancelledSchema, assignmentConfirmedSchema, assignmentDeliverySchema } from "../contracts/assignment-events.ts";
import type { AssignmentCancelled, AssignmentConfirmed, AssignmentDelivery } from "../contracts/assignment-events.ts";
import { TOPICS } from "../contracts/topics.ts";
import { createRecordProducer, type KafkaClient } from "./kafka.ts";

/** An event that breaks its topic's contract; `fields` names each failing field. */
export class ContractViolationError extends Error {
  readonly fields: Record<string, string[]>;
  constructor(topic: string, fields: Record<string, string[]>) {
    super(
      `not a valid ${topic} event: ${Object.entries(fields)
        .map(([field, problems]) => `${field} (${problems.join("; ")})`)
        .join(", ")}`,
    );
    this.name = "ContractViolationError";
    this.fields = fields;
  }
}

export interface AssignmentEventProducer {
  confirmed(events: AssignmentConfirmed | AssignmentConfirmed[]): Promise<void>;
  cancelled(events: AssignmentCancelled | AssignmentCancelled[]): Promise<void>;
  delivery(events: AssignmentDelivery | AssignmentDelivery[]): Promise<void>;
  disconnect(): Promise<void>;
}

function validated<T extends { peerMentorId: string }>(
  schema: z.ZodType<T>,
  topic: string,
  events: T | T[],
): { key: string; value: string }[] {
  return (Array.isArray(events) ? events : [events]).map((event) => {
    const result = schema.safeParse(event);
    if (!result.success) {
      const { formErrors, fieldErrors } = z.flattenError(result.error);
      const fields: Record<string, string[]> = { ...(fieldErrors as Record<string, string[]>) };
      if (formErrors.length > 0) fields["(event)"] = formErrors;
      throw new ContractViolationError(topic, fields);
    }
    return { key: result.data.peerMentorId, value: JSON.stringify(result.data) };
  });
}

/**
 * The typed producer for the upstream assignment service: validates every event against the
 * contract before it leaves, keys by peerMentorId (one mentor's events stay in order) and uses an
 * idempotent producer (broker-side dedupe of retries).
 */
export async function createAssignmentEventProducer(
  kafka: KafkaClient,
  topics: { confirmed?: string; cancelled?: string; delivery?: string } = {},
): Promise<AssignmentEventProducer> {
  const confirmedTopic = topics.confirmed ?? TOPICS.assignmentConfirmed;
  const cancelledTopic = topics.cancelled ?? TOPICS.assignmentCancelled;
  const deliveryTopic = topics.delivery ?? TOPICS.assignmentDelivery;
  const producer = createRecordProducer(kafka);
  const send = async (topic: string, messages: { key: string; value: string }[]) => {
    await producer.send(messages.map((message) => ({ topic, key: Buffer.from(message.key), value: Buffer.from(message.value) })));
  };
  return {
    confirmed: async (events) => send(confirmedTopic, validated(assignmentConfirmedSchema, confirmedTopic, events)),
    cancelled: async (events) => send(cancelledTopic, validated(assignmentCancelledSchema, cancelledTopic, events)),
    delivery: async (events) => send(deliveryTopic, validated(assignmentDeliverySchema, deliveryTopic, events)),
    disconnect: () => producer.close(),
  };
}

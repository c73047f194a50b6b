import { z } from "zod";
import { assignmentCancelledSchema, assignmentConfirmedSchema, assignmentDeliverySchema } from "./assignment-events.ts";
import {
  EXAMPLE_ASSIGNMENT_CANCELLED,
  EXAMPLE_ASSIGNMENT_CONFIRMED,
  EXAMPLE_ASSIGNMENT_DELIVERY,
  EXAMPLE_THRESHOLD_CROSSED,
} from "./examples.ts";
import { thresholdCrossedSchema } from "./threshold-crossed.ts";
import { DEAD_LETTER_HEADERS, TOPICS, deadLetterTopicOf } from "./topics.ts";

/**
 * What other teams (maybe not TypeScript) get: a JSON Schema per topic and an AsyncAPI
 * document, generated from the zod schemas. `npm run contracts:generate` writes them to
 * contracts/; a test fails when the checked-in files drift from the code.
 */
interface PublishedTopic {
  topic: string;
  title: string;
  description: string;
  producer: string;
  consumers: string[];
  schema: z.ZodType;
  example: unknown;
  deadLetters: boolean;
}

export const PUBLISHED_TOPICS: readonly PublishedTopic[] = [
  {
    topic: TOPICS.assignmentConfirmed,
    title: "AssignmentConfirmed",
    description: "The upstream assignment service confirmed an assignment. Counted once per (assignmentId, peerMentorId).",
    producer: "upstream assignment service",
    consumers: ["counter"],
    schema: assignmentConfirmedSchema,
    example: EXAMPLE_ASSIGNMENT_CONFIRMED,
    deadLetters: true,
  },
  {
    topic: TOPICS.assignmentCancelled,
    title: "AssignmentCancelled",
    description: "An assignment was cancelled; a cancellation that arrives before its confirmation still prevents counting.",
    producer: "upstream assignment service",
    consumers: ["counter"],
    schema: assignmentCancelledSchema,
    example: EXAMPLE_ASSIGNMENT_CANCELLED,
    deadLetters: true,
  },
  {
    topic: TOPICS.assignmentDelivery,
    title: "AssignmentDelivery",
    description: "An encrypted assignment's delivery to a peer mentor moved on (spec 004).",
    producer: "upstream assignment service",
    consumers: ["counter"],
    schema: assignmentDeliverySchema,
    example: EXAMPLE_ASSIGNMENT_DELIVERY,
    deadLetters: true,
  },
  {
    topic: TOPICS.thresholdCrossed,
    title: "HonorariumThresholdCrossed",
    description: "A peer mentor reached an honorarium tier. eventId is stable per crossing record: dedupe on it.",
    producer: "counter",
    consumers: ["notifier"],
    schema: thresholdCrossedSchema,
    example: EXAMPLE_THRESHOLD_CROSSED,
    deadLetters: true,
  },
];

export function jsonSchemaOf(topic: PublishedTopic): Record<string, unknown> {
  return {
    $id: `https://honorarium-tracker.example/contracts/${topic.topic}.schema.json`,
    title: topic.title,
    description: topic.description,
    ...z.toJSONSchema(topic.schema, { target: "draft-2020-12", io: "input" }),
    examples: [topic.example],
  };
}

const DEAD_LETTER_HEADER_DOCS: Record<keyof typeof DEAD_LETTER_HEADERS, string> = {
  reason: "Human-readable reason the message was rejected (names the failing fields).",
  errorCode: "not_json | schema | too_large | rejected",
  sourceTopic: "The topic the message was read from.",
  sourcePartition: "Its partition.",
  sourceOffset: "Its offset.",
  failedAt: "When it was rejected (ISO-8601).",
};

export function asyncApiDocument(): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  for (const topic of PUBLISHED_TOPICS) {
    const channelId = topic.topic.replaceAll(".", "_");
    messages[topic.title] = {
      name: topic.title,
      title: topic.title,
      summary: topic.description,
      contentType: "application/json",
      bindings: { kafka: { key: { type: "string", format: "uuid", description: "peerMentorId: one mentor's events stay in order" } } },
      payload: { $ref: `./json-schema/${topic.topic}.schema.json` },
      examples: [{ payload: topic.example }],
    };
    channels[channelId] = {
      address: topic.topic,
      description: `${topic.description} Produced by ${topic.producer}; consumed by ${topic.consumers.join(", ")}.`,
      messages: { [topic.title]: { $ref: `#/components/messages/${topic.title}` } },
    };
    operations[`receive_${channelId}`] = {
      action: "receive",
      channel: { $ref: `#/channels/${channelId}` },
      summary: `Consumed by ${topic.consumers.join(", ")}`,
    };
    if (topic.deadLetters) {
      const dlqId = `${channelId}_dlq`;
      channels[dlqId] = {
        address: deadLetterTopicOf(topic.topic),
        description: `Messages of ${topic.topic} that could not be processed: the original bytes and headers, plus the reason headers.`,
        messages: { DeadLetter: { $ref: "#/components/messages/DeadLetter" } },
      };
    }
  }
  messages.DeadLetter = {
    name: "DeadLetter",
    summary: "The original message bytes, unchanged, with reason headers added.",
    contentType: "application/octet-stream",
    headers: {
      type: "object",
      properties: Object.fromEntries(
        (Object.keys(DEAD_LETTER_HEADERS) as (keyof typeof DEAD_LETTER_HEADERS)[]).map((key) => [
          DEAD_LETTER_HEADERS[key],
          { type: "string", description: DEAD_LETTER_HEADER_DOCS[key] },
        ]),
      ),
    },
    payload: { description: "The original bytes (may not be JSON)." },
  };
  return {
    asyncapi: "3.0.0",
    info: {
      title: "honorarium-tracker events",
      version: "1.0.0",
      description:
        "Topics of the honorarium-tracker. JSON, UTF-8, key = peerMentorId. Versioned by name: a breaking change is a new .v2 topic, never a change to .v1. Unknown extra fields are kept by consumers.",
    },
    defaultContentType: "application/json",
    servers: { local: { host: "127.0.0.1:9092", protocol: "kafka", description: "scripts/kafka.sh up" } },
    channels,
    operations,
    components: { messages },
  };
}

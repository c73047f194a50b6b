import { randomUUID } from "node:crypto";
import { partitionerFor, type BenchMessage } from "./kafka.ts";

export interface EventSource {
  readonly count: number;
  /** Messages [from, to) of the stream, values encoded. */
  slice(from: number, to: number): BenchMessage[];
  /** The whole stream in produce requests of `size` messages, made as they are sent (a long stream never sits in memory whole). */
  chunks(size: number): Iterable<BenchMessage[]>;
}

/**
 * assignment.confirmed.v1 events of `mentors` mentors of one organisation, keyed by mentor,
 * confirmedAt spread over 300 days from 2026-01-01. Every event has its own assignmentId, so
 * nothing is a duplicate. The load generator shares the two cores with what it measures, so it
 * does its per-message work before any clock starts: values are encoded, and each mentor's
 * partition is computed once with KafkaJS's default partitioner (the partition the key would
 * hash to) instead of once per message inside send().
 */
export function eventSource(count: number, org: string, mentors: number, partitions: number): EventSource {
  const partitionOf = partitionerFor(partitions);
  const people = Array.from({ length: mentors }, () => {
    const id = randomUUID();
    return { id, scope: randomUUID(), coordinator: randomUUID(), partition: partitionOf(id) };
  });
  const start = Date.parse("2026-01-01T00:00:00Z");
  const message = (i: number): BenchMessage => {
    const mentor = people[i % mentors] as (typeof people)[number];
    return {
      key: mentor.id,
      partition: mentor.partition,
      value: Buffer.from(
        JSON.stringify({
          eventId: randomUUID(),
          assignmentId: randomUUID(),
          peerMentorId: mentor.id,
          organizationId: org,
          scopeId: mentor.scope,
          coordinatorId: mentor.coordinator,
          confirmedAt: new Date(start + (i % 300) * 86_400_000 + i).toISOString(),
        }),
      ),
    };
  };
  const slice = (from: number, to: number) => Array.from({ length: Math.max(0, Math.min(to, count) - from) }, (_, k) => message(from + k));
  return {
    count,
    slice,
    *chunks(size) {
      for (let from = 0; from < count; from += size) yield slice(from, from + size);
    },
  };
}

/** A list of messages in produce requests of `size`. */
export function* chunksOf(messages: readonly BenchMessage[], size: number): Iterable<BenchMessage[]> {
  for (let i = 0; i < messages.length; i += size) yield messages.slice(i, i + size);
}

import { z } from "zod";
import { TOPICS, commonEnvShape, envVar, loadEnv } from "@honorarium/shared";
import { GROUP_PROTOCOLS } from "@honorarium/shared/infra";

export const counterEnvSchema = z.object({
  ...commonEnvShape,
  COUNTER_HTTP_PORT: envVar.port(9464),
  COUNTER_GROUP_ID: z.string().min(1).default("honorarium-counter"),
  COUNTER_TOPICS: envVar.csv(`${TOPICS.assignmentConfirmed},${TOPICS.assignmentCancelled},${TOPICS.assignmentDelivery}`),
  COUNTER_THRESHOLD_CROSSED_TOPIC: z.string().min(1).default(TOPICS.thresholdCrossed),
  COUNTER_MAX_MESSAGE_BYTES: envVar.positiveInt(65_536),
  COUNTER_PARTITIONS_CONCURRENTLY: envVar.positiveInt(3),
  /**
   * Fetch size per partition (a fetch asks for four times this). Since each partition's lane takes
   * everything waiting for it, a fetch no longer bounds a batch; what it bounds is the memory in the
   * client's stream buffer, which holds a whole fetch of its own message objects. Alternating runs
   * on 300,000 pre-produced events (3 each): 512 KiB gave 209-217 MB peak RSS, 1 MiB 215-238 MB,
   * 3 MiB 234-246 MB, and 512 KiB was the fastest in every pair (e.g. 27.0-29.8k vs 24.0-26.4k
   * events/s against 3 MiB).
   */
  COUNTER_MAX_BYTES_PER_PARTITION: envVar.positiveInt(524_288),
  COUNTER_RELAY_BATCH_SIZE: envVar.positiveInt(500),
  COUNTER_RELAY_POLL_MS: envVar.positiveInt(1000),
  /** Failed publishes of one outbox row (too large, topic missing) before it is parked for a person. */
  COUNTER_RELAY_MAX_ATTEMPTS: envVar.positiveInt(10),
  COUNTER_LIVE_UPDATES: envVar.bool(true),
  /**
   * How long the group waits for a silent member (e.g. one killed -9) before its partitions go to
   * the others; unset: 1.5 s on the consumer protocol, 30 s on classic (DEFAULT_SESSION_TIMEOUT_MS).
   * The broker bounds it: on the consumer protocol group.consumer.min.session.timeout.ms (45 s by
   * default; 1 s on the project's brokers), on classic group.min.session.timeout.ms (6 s).
   */
  COUNTER_SESSION_TIMEOUT_MS: z.coerce.number().int().min(1000).optional(),
  /** The consumer group protocol: consumer (KIP-848, Kafka 4.0 and later) or classic (older brokers). */
  COUNTER_GROUP_PROTOCOL: z.enum(GROUP_PROTOCOLS).default("consumer"),
  /**
   * Static group membership: a stable id per running instance (e.g. the pod or host name plus a
   * number). On classic, an instance restarted with the same id takes its partitions back at once,
   * without a rebalance; on the consumer protocol a killed one's partitions go to the others after
   * the session and the restarted one is let back in once that session ended. Two running instances
   * must never share one (classic: the second fences the first; consumer: the second is refused and,
   * after 10 s, stops with a configuration error).
   */
  COUNTER_GROUP_INSTANCE_ID: z
    .string()
    .regex(/^[a-zA-Z0-9._-]{1,249}$/, "letters, digits, . _ - (at most 249)")
    .optional(),
  /** Prefixes the Redis live-update channel and stream (keeps concurrent test runs apart); empty in production. */
});

export type CounterConfig = z.infer<typeof counterEnvSchema>;

export function loadCounterConfig(source: Record<string, string | undefined> = process.env): CounterConfig {
  return loadEnv(counterEnvSchema, source);
}

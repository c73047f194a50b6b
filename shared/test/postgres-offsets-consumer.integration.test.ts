import type { ChildProcess } from "node:child_process";
import type { Kafka, Producer } from "kafkajs";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createLogger } from "../src/logger.ts";
import { type BatchDecision, type StoredPosition, createPostgresOffsetsConsumer } from "../src/infra/index.ts";
import { createTestKafka, createTopics, eventually, spawnNode, testKafkaClient, uniqueName } from "../src/testing/index.ts";

const logger = createLogger("offsets-consumer-test", "silent");
type ConsumerOptions = Parameters<typeof createPostgresOffsetsConsumer>[0];

describe("createPostgresOffsetsConsumer (the counter's and the notifier's consumer loop)", () => {
  const services = inject("testServices");
  let kafka: Kafka;
  let producer: Producer;

  beforeAll(async () => {
    kafka = createTestKafka(services.kafkaBrokers);
    producer = kafka.producer();
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
  });

  /**
   * A consumer of `topic` in a fresh group: one partition at a time, the tests' short session; its
   * stored positions are `positions` (what Postgres would hold), none unless a test sets them.
   */
  const consumerOf = (
    topic: string,
    groupPrefix: string,
    options: Omit<
      ConsumerOptions,
      "kafka" | "group" | "topics" | "partitionsConsumedConcurrently" | "sessionTimeoutMs" | "logger" | "loadPositions"
    >,
    positions: StoredPosition[] = [],
  ) =>
    createPostgresOffsetsConsumer({
      kafka: testKafkaClient(services.kafkaBrokers, logger),
      loadPositions: async () => positions,
      group: uniqueName(groupPrefix),
      topics: [topic],
      partitionsConsumedConcurrently: 1,
      sessionTimeoutMs: 6000,
      logger,
      ...options,
    });

  async function freshTopic(): Promise<string> {
    const topic = uniqueName("offsets-consumer");
    await createTopics(kafka, [topic], 1);
    return topic;
  }

  it("a failed apply (the database unreachable) is retried from the stored positions, not fatal, and the batch is applied after it", async () => {
    const topic = await freshTopic();
    const fatal: Error[] = [];
    let calls = 0;
    const applied: string[] = [];
    const readiness: boolean[] = [];
    const consumer = consumerOf(topic, "crash", {
      recreateDelaysMs: [100],
      applyBatch: async ({ messages }): Promise<BatchDecision> => {
        calls += 1;
        if (calls <= 2) {
          readiness.push(consumer.isReady());
          throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
        }
        applied.push(...messages.map((message) => message.value?.toString() ?? ""));
        return { kind: "committed", nextOffset: String(Number(messages.at(-1)?.offset ?? 0) + 1) };
      },
      onFatal: (error) => fatal.push(error),
    });
    await consumer.start();
    try {
      await producer.send({ topic, messages: [{ key: "k", value: "v" }] });
      await eventually(async () => (applied.length > 0 ? true : undefined), 60_000, "the batch applied by a new consumer");
      expect(applied).toEqual(["v"]);
      expect(calls).toBe(3);
      expect(fatal).toEqual([]);
      await eventually(async () => (consumer.isReady() ? true : undefined), 30_000, "ready again");
    } finally {
      await consumer.stop();
    }
    expect(consumer.isReady()).toBe(false);
  });

  it("a configuration error (authorisation) is fatal: no retry can fix it", async () => {
    const topic = await freshTopic();
    const fatal: Error[] = [];
    const consumer = consumerOf(topic, "config", {
      recreateDelaysMs: [100],
      applyBatch: async () => {
        // As the client reports the broker's refusal.
        throw Object.assign(new Error("not allowed"), { apiId: "GROUP_AUTHORIZATION_FAILED" });
      },
      onFatal: (error) => fatal.push(error),
    });
    await consumer.start();
    try {
      await producer.send({ topic, messages: [{ key: "k", value: "v" }] });
      const [error] = await eventually(async () => (fatal.length > 0 ? fatal : undefined), 30_000, "the fatal crash");
      expect(error?.message).toContain("not allowed");
      expect(consumer.isReady()).toBe(false);
    } finally {
      await consumer.stop();
    }
  });

  it("fetches again from the stored positions when applyBatch says seek, hands the first batch of a fresh stream its gap, and reports lag", async () => {
    const topic = await freshTopic();
    await producer.send({ topic, messages: ["a", "b", "c", "d"].map((value) => ({ key: "k", value })) });
    const seen: { first: string; acceptGapFrom: string | undefined }[] = [];
    const lags: number[] = [];
    const positions: StoredPosition[] = [];
    const consumer = consumerOf(
      topic,
      "seek",
      {
        applyBatch: async ({ messages }, acceptGapFrom): Promise<BatchDecision> => {
          const first = messages[0]?.offset ?? "?";
          seen.push({ first, acceptGapFrom });
          // The first time, pretend Postgres holds position 2: the consumer must fetch again from there.
          if (positions.length === 0) {
            positions.push({ topic, partition: 0, nextOffset: "2" });
            return { kind: "seek", offset: "2" };
          }
          return { kind: "committed", nextOffset: String(Number(messages.at(-1)?.offset ?? 0) + 1) };
        },
        onLag: (_topic, _partition, lag) => lags.push(lag),
        onFatal: () => undefined,
      },
      positions,
    );
    await consumer.start();
    try {
      await eventually(async () => (seen.length >= 2 ? true : undefined), 30_000, "the batch after the seek");
      // No stored position: from the log start, which may begin after 0 (retention), so the gap from 0 is handed over.
      expect(seen[0]).toEqual({ first: "0", acceptGapFrom: "0" });
      // A new stream started at the stored position: its first batch answers exactly that fetch.
      expect(seen[1]).toEqual({ first: "2", acceptGapFrom: "2" });
      expect(seen).toHaveLength(2);
      expect(consumer.isReady()).toBe(true);
      await eventually(async () => (lags.at(-1) === 0 ? true : undefined), 30_000, "the lag reported");
    } finally {
      await consumer.stop();
    }
  });

  it("accepts a real gap (transaction markers): a fetch at the stored position that answers with a later offset", async () => {
    const topic = await freshTopic();
    // Two committed transactions: records at 0 and 2, commit markers at 1 and 3 (never delivered).
    const transactional = kafka.producer({ transactionalId: uniqueName("gap-tx"), idempotent: true, maxInFlightRequests: 1 });
    await transactional.connect();
    try {
      for (const value of ["a", "b"]) {
        const transaction = await transactional.transaction();
        await transaction.send({ topic, messages: [{ key: "k", value }] });
        await transaction.commit();
      }
    } finally {
      await transactional.disconnect();
    }
    const seen: { first: string; acceptGapFrom: string | undefined }[] = [];
    // What Postgres holds: position 1, a commit marker (never delivered).
    const positions: StoredPosition[] = [{ topic, partition: 0, nextOffset: "1" }];
    const consumer = consumerOf(
      topic,
      "gap",
      {
        // As the stored-offset guard decides: a batch starting above the stored position asks for a
        // seek unless the consumer hands the gap over as real.
        applyBatch: async ({ messages }, acceptGapFrom): Promise<BatchDecision> => {
          const first = messages[0]?.offset ?? "?";
          seen.push({ first, acceptGapFrom });
          if (BigInt(first) > 1n && acceptGapFrom !== "1") return { kind: "seek", offset: "1" };
          return { kind: "committed", nextOffset: String(Number(messages.at(-1)?.offset ?? 0) + 1) };
        },
        onFatal: () => undefined,
      },
      positions,
    );
    await consumer.start();
    try {
      await eventually(async () => (seen.length > 0 ? true : undefined), 30_000, "the first batch");
      expect(seen).toEqual([{ first: "2", acceptGapFrom: "1" }]);
    } finally {
      await consumer.stop();
    }
  });

  it("a partition whose batch is still applying holds up no other partition (one lane per partition)", async () => {
    const topic = uniqueName("offsets-consumer-lanes");
    await createTopics(kafka, [topic], 2);
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    const applied: string[] = [];
    // Positions as Postgres would keep them: a stream rebuilt after the group join starts there.
    const next = new Map<number, bigint>();
    const consumer = createPostgresOffsetsConsumer({
      kafka: testKafkaClient(services.kafkaBrokers, logger),
      loadPositions: async () => [...next].map(([partition, offset]) => ({ topic, partition, nextOffset: offset.toString() })),
      group: uniqueName("lanes"),
      topics: [topic],
      partitionsConsumedConcurrently: 2,
      sessionTimeoutMs: 6000,
      logger,
      applyBatch: async ({ partition, messages }): Promise<BatchDecision> => {
        // Partition 0's first batch stays in its transaction until the test lets it go.
        if (partition === 0) await slow;
        // The stored-offset guard: what is below the position was applied already.
        const fresh = messages.filter((message) => BigInt(message.offset) >= (next.get(partition) ?? 0n));
        applied.push(...fresh.map((message) => message.value?.toString() ?? ""));
        const nextOffset = BigInt(messages.at(-1)?.offset ?? "0") + 1n;
        next.set(partition, nextOffset > (next.get(partition) ?? 0n) ? nextOffset : (next.get(partition) ?? 0n));
        return { kind: "committed", nextOffset: (next.get(partition) ?? nextOffset).toString() };
      },
      onFatal: () => undefined,
    });
    await consumer.start();
    try {
      await producer.send({
        topic,
        messages: [
          { partition: 0, value: "a0" },
          { partition: 1, value: "b0" },
        ],
      });
      await eventually(async () => (applied.includes("b0") ? true : undefined), 30_000, "partition 1's first batch");
      // A later batch of partition 1 is applied while partition 0's is still open (a round-based
      // loop waited for the whole round, so b1 came only after a0).
      await producer.send({ topic, messages: [{ partition: 1, value: "b1" }] });
      await eventually(async () => (applied.includes("b1") ? true : undefined), 30_000, "partition 1's second batch");
      expect(applied).toEqual(["b0", "b1"]);
      release();
      await eventually(async () => (applied.includes("a0") ? true : undefined), 30_000, "partition 0's batch");
      expect(applied).toEqual(["b0", "b1", "a0"]);
    } finally {
      release();
      await consumer.stop();
    }
  });

  it("consumer protocol: a member killed -9 loses its partitions to the others after the group's session, and they fetch them from the stored positions", async () => {
    const topic = uniqueName("offsets-consumer-takeover");
    await createTopics(kafka, [topic], 2);
    const group = uniqueName("takeover");
    const member = spawnNode("shared/test/fixtures/group-member.ts", {
      args: [services.kafkaBrokers.join(","), group, topic, "1500"],
      env: {},
    });
    const memberLog = assignmentLog();
    member.stdout?.on("data", (chunk: Buffer) => memberLog.write(chunk.toString()));
    const assignments = memberLog.lists;
    // What Postgres would hold: the killed member applied its partition up to offset 4 after this
    // member's stream was built (set below), so a takeover must fetch again from there.
    const stored = new Map<number, string>([
      [0, "2"],
      [1, "2"],
    ]);
    const firstBatch = new Map<number, string>();
    const applied = new Map<number, string>();
    const survivor = createPostgresOffsetsConsumer({
      kafka: testKafkaClient(services.kafkaBrokers, logger),
      loadPositions: async () => [...stored].map(([partition, nextOffset]) => ({ topic, partition, nextOffset })),
      group,
      topics: [topic],
      groupProtocol: "consumer",
      partitionsConsumedConcurrently: 2,
      sessionTimeoutMs: 1500,
      logger,
      applyBatch: async ({ partition, messages }): Promise<BatchDecision> => {
        if (!firstBatch.has(partition)) firstBatch.set(partition, messages[0]?.offset ?? "");
        const nextOffset = String(Number(messages.at(-1)?.offset ?? "-1") + 1);
        applied.set(partition, nextOffset);
        return { kind: "committed", nextOffset };
      },
      onFatal: () => undefined,
    });
    try {
      await eventually(async () => (assignments.at(-1)?.length === 2 ? true : undefined), 60_000, "the member alone holds both partitions");
      await producer.send({ topic, messages: [0, 1].flatMap((partition) => ["m0", "m1", "m2"].map((value) => ({ partition, value }))) });
      await survivor.start();
      const kept = await eventually(
        async () => (assignments.at(-1)?.length === 1 ? assignments.at(-1)?.[0] : undefined),
        60_000,
        "a partition handed to the second member",
      );
      const taken = kept === 0 ? 1 : 0;
      await eventually(
        async () => (applied.get(taken) === "3" ? true : undefined),
        30_000,
        "the second member applies its own partition from offset 2",
      );
      expect(firstBatch.get(taken)).toBe("2");
      stored.set(kept, "4");
      member.kill("SIGKILL");
      await producer.send({ topic, messages: [0, 1].flatMap((partition) => ["m3", "m4", "m5"].map((value) => ({ partition, value }))) });
      await eventually(async () => (applied.get(kept) === "6" ? true : undefined), 30_000, "the killed member's partition taken over");
      // Fetched from what Postgres holds at the takeover, not from where this member's stream began.
      expect(firstBatch.get(kept)).toBe("4");
      expect(applied.get(taken)).toBe("6");
      expect(survivor.isReady()).toBe(true);
    } finally {
      member.kill("SIGKILL");
      await survivor.stop();
    }
  });

  /** The partitions a member's "partition assignment changed" lines name, one list per line, from its JSON log. */
  function assignmentLog(): { lists: number[][]; write: (chunk: string) => void } {
    const lists: number[][] = [];
    let rest = "";
    return {
      lists,
      write(chunk) {
        const lines = (rest + chunk).split("\n");
        rest = lines.pop() ?? "";
        for (const line of lines) {
          const entry = JSON.parse(line) as { msg?: string; assignments?: { partitions: number[] }[] };
          if (entry.msg === "partition assignment changed") lists.push((entry.assignments ?? []).flatMap((a) => a.partitions).sort());
        }
      },
    };
  }

  it("consumer protocol: a member whose session ends while it is stalled joins again instead of fetching on unknown to the group", async () => {
    const topic = uniqueName("offsets-consumer-stalled");
    await createTopics(kafka, [topic], 2);
    const group = uniqueName("stalled");
    const stalledLog = assignmentLog();
    const member: ChildProcess = spawnNode("shared/test/fixtures/group-member.ts", {
      args: [services.kafkaBrokers.join(","), group, topic, "1500"],
      env: {},
    });
    member.stdout?.on("data", (chunk: Buffer) => stalledLog.write(chunk.toString()));
    const otherLog = assignmentLog();
    const other = createPostgresOffsetsConsumer({
      kafka: testKafkaClient(services.kafkaBrokers, logger),
      loadPositions: async () => [],
      group,
      topics: [topic],
      groupProtocol: "consumer",
      partitionsConsumedConcurrently: 2,
      sessionTimeoutMs: 1500,
      logger: pino({ level: "info" }, { write: (line: string) => otherLog.write(line) }),
      applyBatch: async ({ messages }) => ({ kind: "committed", nextOffset: String(Number(messages.at(-1)?.offset ?? "-1") + 1) }),
      onFatal: () => undefined,
    });
    try {
      await eventually(
        async () => (stalledLog.lists.at(-1)?.length === 2 ? true : undefined),
        60_000,
        "the first member holds both partitions",
      );
      await other.start();
      await eventually(async () => (otherLog.lists.at(-1)?.length === 1 ? true : undefined), 60_000, "one partition each");
      const before = stalledLog.lists.length;
      // Frozen past its session: the group gives its partition to the other member and forgets it.
      member.kill("SIGSTOP");
      await eventually(async () => (otherLog.lists.at(-1)?.length === 2 ? true : undefined), 30_000, "the other member takes both");
      member.kill("SIGCONT");
      // Its heartbeats now name a member the broker no longer knows: it must join as a new one and
      // get a share again (the client alone heartbeats on with UNKNOWN_MEMBER_ID, keeping both).
      await eventually(async () => (otherLog.lists.at(-1)?.length === 1 ? true : undefined), 30_000, "a partition handed back");
      await eventually(
        async () => (stalledLog.lists.slice(before).at(-1)?.length === 1 ? true : undefined),
        30_000,
        "the stalled member's own share",
      );
      expect(other.isReady()).toBe(true);
    } finally {
      member.kill("SIGKILL");
      await other.stop();
    }
  });

  it("consumer protocol: a second running instance with the same static id is refused for good, not retried forever", async () => {
    const topic = await freshTopic();
    const group = uniqueName("same-id");
    const member = (name: string) =>
      createPostgresOffsetsConsumer({
        kafka: testKafkaClient(services.kafkaBrokers, logger, name),
        loadPositions: async () => [],
        group,
        topics: [topic],
        groupProtocol: "consumer",
        groupInstanceId: "counter-host-1",
        partitionsConsumedConcurrently: 1,
        sessionTimeoutMs: 1500,
        logger,
        applyBatch: async ({ messages }) => ({ kind: "committed", nextOffset: String(Number(messages.at(-1)?.offset ?? "-1") + 1) }),
        onFatal: () => undefined,
      });
    const first = member(uniqueName("first"));
    const second = member(uniqueName("second"));
    await first.start();
    try {
      await eventually(async () => (first.isReady() ? true : undefined), 30_000, "the first instance in its group");
      // Refused while the first one runs (UNRELEASED_INSTANCE_ID), for longer than a restart's wait.
      await expect(second.start()).rejects.toThrow(/held by another member .* two running instances share one/);
      expect(second.isReady()).toBe(false);
      expect(first.isReady()).toBe(true);
    } finally {
      await second.stop();
      await first.stop();
    }
  });
});

import { Consumer, MessagesStreamModes, stringDeserializer, type Message, type MessagesStream } from "@platformatic/kafka";
import type { Logger } from "pino";
import { TRANSIENT_BROKER_GRACE_MS, kafkaErrorNames, logBrokerFaults, setConsumerGroupLiveness, type KafkaClient } from "./kafka.ts";
import { createTransientFaultGate, isConfigurationError } from "./transient-faults.ts";

/**
 * consumer (KIP-848): the broker assigns partitions and moves only those that change owner, so
 * the other members keep fetching and applying while a member leaves, dies or joins; a short
 * session costs little. classic: every membership change stops the whole group for a rebalance
 * (seen: 8 rebalances within 4 s after a kill with a 2 s session), so its session stays long.
 */
export const GROUP_PROTOCOLS = ["consumer", "classic"] as const;
export type GroupProtocol = (typeof GROUP_PROTOCOLS)[number];

/**
 * consumer: 1.5 s, what the scale-out run proves (a killed counter's partitions committing again
 * 2.0-2.8 s after the kill, on 2 saturated cores); the longest stall of a busy counter's event
 * loop (a full GC, planning a large batch) is a few hundred ms. classic: Kafka's 30 s, since there
 * every expiry stops the whole group.
 */
export const DEFAULT_SESSION_TIMEOUT_MS: Readonly<Record<GroupProtocol, number>> = { consumer: 1500, classic: 30_000 };

/** One Kafka message as every topic handler reads it, whatever the client library. */
export interface InboundMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Header values as text (the last value of a repeated header). */
  headers: Record<string, string>;
  /** The broker timestamp (ms since the epoch, as text): the reference of the input rules' time window. */
  timestamp: string;
}

/** One topic-partition's fetched messages, in offset order. */
export interface PartitionBatch {
  topic: string;
  partition: number;
  messages: readonly InboundMessage[];
}

export type BatchDecision =
  /** Applied (or already applied): Kafka may move on to `nextOffset`. */
  | { kind: "committed"; nextOffset: string }
  /** The batch starts after the stored position: fetch again from the stored positions, apply nothing. */
  | { kind: "seek"; offset: string };

/** A partition's stored position (shared/db consumer-offsets): where fetching starts. */
export interface StoredPosition {
  topic: string;
  partition: number;
  nextOffset: string;
}

export interface PostgresOffsetsConsumerOptions {
  kafka: KafkaClient;
  group: string;
  topics: readonly string[];
  /** Partition batches applied side by side at most. */
  partitionsConsumedConcurrently: number;
  /** Bounds a batch (one transaction) and the memory one fetch holds; 1 MiB when unset. */
  maxBytesPerPartition?: number;
  /** How long the broker may hold a fetch for data (lower = lower latency when idle). */
  maxWaitTimeInMs?: number;
  /**
   * How long the group waits for a silent member (one killed -9) before its partitions go to the
   * others; DEFAULT_SESSION_TIMEOUT_MS of the protocol when unset. On the consumer protocol it is
   * set as the group's configuration at start.
   */
  sessionTimeoutMs?: number | undefined;
  /** The group protocol; "consumer" (KIP-848) unless the broker predates Kafka 4.0. */
  groupProtocol?: GroupProtocol;
  /**
   * Static membership (KIP-345): on classic, an instance restarted with the same id takes its
   * partitions back at once, without a rebalance of the group; on the consumer protocol a killed
   * one's partitions move after the session, and the restarted one is let in (after
   * UNRELEASED_INSTANCE_ID answers, retried) once it ended. Unique per running instance; unset = dynamic member.
   */
  groupInstanceId?: string;
  logger: Logger;
  /** The group's stored positions: every (re)built fetch stream starts exactly there. */
  loadPositions: () => Promise<readonly StoredPosition[]>;
  /**
   * Applies one partition's batch in one Postgres transaction under its stored offset
   * (shared/db consumer-offsets). `acceptGapFrom` is given for the first batch of a partition on a
   * fetch stream started at that partition's stored position: Kafka was asked for exactly that
   * offset, so a later first offset means the offsets between do not exist (transaction markers,
   * retention) and the gap is accepted.
   */
  applyBatch: (batch: PartitionBatch, acceptGapFrom: string | undefined) => Promise<BatchDecision>;
  onLag?: (topic: string, partition: number, lag: number) => void;
  /**
   * A configuration error (authorisation, an invalid group, an unsupported setting): retrying
   * cannot help, so the process should exit. Every other fault is retried here, never fatal.
   */
  onFatal: (error: Error) => void;
  /** Delays between re-creations of a consumer after a fault; the last one repeats. */
  recreateDelaysMs?: readonly number[];
}

export interface PostgresOffsetsConsumer {
  start(): Promise<void>;
  /** Finishes the batches in hand, then leaves the group. */
  stop(): Promise<void>;
  /**
   * In the group and alive: a heartbeat, fetch or batch within CONSUMER_LIVENESS_MS. False during
   * a rebalance, after a fault until the rejoin, while the broker is silent, and after stop.
   */
  isReady(): boolean;
}

type Stream = MessagesStream<Buffer, Buffer, string, string>;
type KafkaRecord = Message<Buffer, Buffer, string, string>;

const HINT_INTERVAL_MS = 1000;
const LAG_INTERVAL_MS = 5000;
/** Messages read from the stream and not yet applied, over all partitions (queued or in a batch being applied). */
const MAX_HELD_MESSAGES = 20_000;
/** Heartbeats come every sessionTimeout/10 (≤ 3 s) and idle fetches every ≤ 5 s: 10 s of silence is an outage. */
export const CONSUMER_LIVENESS_MS = 10_000;
/**
 * Short and capped on purpose: a consumer waiting 30 s between attempts would stay down long after
 * the broker is back (readiness must return within 15 s of the broker's return).
 */
const RECREATE_DELAYS_MS: readonly number[] = [500, 1000, 2000, 4000, 5000];
/**
 * Consumer protocol: a restarted static member is refused (UNRELEASED_INSTANCE_ID) until its old
 * membership's session ends, so that answer is retried; for longer than this the id is held by
 * another running process (a deployment mistake, FENCED_INSTANCE_ID on classic), which is fatal.
 */
const unreleasedLimitMs = (sessionTimeoutMs: number) => Math.max(10_000, 3 * sessionTimeoutMs);
const DEFAULT_MAX_BYTES_PER_PARTITION = 1024 * 1024;

const keyOf = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** The partitions a consumer holds now, by keyOf (empty before its first assignment). */
const assignedKeys = (owner: Consumer<Buffer, Buffer, string, string>): Set<string> =>
  new Set((owner.assignments ?? []).flatMap(({ topic, partitions }) => partitions.map((p) => keyOf(topic, p))));

export function toInboundMessage(record: KafkaRecord): InboundMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of record.headers) headers[name] = value;
  return {
    offset: record.offset.toString(),
    key: record.key ?? null,
    value: record.value ?? null,
    headers,
    timestamp: record.timestamp.toString(),
  };
}

/**
 * DESIGN.md "Exactly-once": a consumer group with auto-commit off whose positions live in Postgres
 * beside what the messages changed; Kafka's committed offset is only a hint.
 *
 * On @platformatic/kafka: the client delivers a stream of messages and has no seek, so every fetch
 * stream is started at the positions stored in Postgres (mode MANUAL) and rebuilt — a new stream
 * opened before the old one is closed, which keeps the group membership — on every (re)join, when
 * the consumer protocol assigns it more partitions, on a seek decision and after a failed apply.
 * Messages of a replaced stream are never applied. Batches are the stream's buffered messages
 * grouped by partition; heartbeats run in the background, so a long batch never costs the
 * membership.
 *
 * Faults: a broken stream or consumer (a broker restart, a coordinator move) is replaced by a new
 * consumer after a back-off, for as long as the fault lasts; a failed apply (PostgreSQL down) keeps
 * the membership and rebuilds the stream from the stored positions after a back-off. Only
 * configuration errors (isConfigurationError) end the consumer, through onFatal.
 */
export function createPostgresOffsetsConsumer(options: PostgresOffsetsConsumerOptions): PostgresOffsetsConsumer {
  const { logger, kafka } = options;
  const delays = options.recreateDelaysMs ?? RECREATE_DELAYS_MS;
  const maxBytesPerPartition = options.maxBytesPerPartition ?? DEFAULT_MAX_BYTES_PER_PARTITION;
  const protocol = options.groupProtocol ?? "consumer";
  const sessionTimeoutMs = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS[protocol];
  const crashes = createTransientFaultGate({ graceMs: TRANSIENT_BROKER_GRACE_MS });
  let consumer: Consumer<Buffer, Buffer, string, string> | undefined;
  let stream: Stream | undefined;
  let joined = false;
  let stopping = false;
  let lastAliveAt = 0;
  let failures = 0;
  let recreateTimer: NodeJS.Timeout | undefined;
  let rebuilding: Promise<void> | undefined;
  let rebuildAgain = false;
  let lagTimer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<unknown>>();
  const lastHintAt = new Map<string, number>();
  /** Next offset per partition as last committed by this process (for the lag). */
  const applied = new Map<string, { topic: string; partition: number; next: bigint }>();
  /** The fresh-partition sets of the streams being read (consumer protocol), so a lost partition leaves them all. */
  const freshSets = new Set<Set<string>>();
  const alive = () => {
    lastAliveAt = Date.now();
  };
  let unreleasedSince: number | undefined;
  /** The configuration error an UNRELEASED_INSTANCE_ID answer has become by lasting too long, if it has. */
  function heldElsewhere(error: Error): Error | undefined {
    if (!kafkaErrorNames(error).includes("UNRELEASED_INSTANCE_ID")) return undefined;
    unreleasedSince ??= Date.now();
    const heldMs = Date.now() - unreleasedSince;
    if (heldMs <= unreleasedLimitMs(sessionTimeoutMs)) return undefined;
    return new Error(
      `group instance id ${options.groupInstanceId ?? "?"} of group ${options.group} has been held by another member for ${Math.round(heldMs / 1000)} s: ` +
        "two running instances share one *_GROUP_INSTANCE_ID",
      { cause: error },
    );
  }

  /** In the group (again): faults so far are over. */
  function enterGroup(): void {
    joined = true;
    failures = 0;
    unreleasedSince = undefined;
  }

  function fatal(error: Error): void {
    joined = false;
    logger.fatal({ err: error }, "consumer configuration error; retrying cannot help");
    options.onFatal(error);
  }

  function backoff(): number {
    const delay = delays[Math.min(failures, delays.length - 1)] ?? 1000;
    failures += 1;
    return delay;
  }

  function newConsumer(): Consumer<Buffer, Buffer, string, string> {
    const created = new Consumer<Buffer, Buffer, string, string>({
      clientId: kafka.clientId,
      bootstrapBrokers: [...kafka.brokers],
      groupId: options.group,
      ...(options.groupInstanceId === undefined ? {} : { groupInstanceId: options.groupInstanceId }),
      autocommit: false,
      ...(protocol === "consumer"
        ? // range: each member a share of every topic. The broker's default (uniform) put 9 of the 12
          // partitions of the busy confirmations topic on one of 3 counters.
          { groupProtocol: "consumer" as const, groupRemoteAssignor: "range", rebalanceTimeout: 60_000 }
        : {
            sessionTimeout: sessionTimeoutMs,
            heartbeatInterval: Math.max(500, Math.floor(sessionTimeoutMs / 10)),
            rebalanceTimeout: Math.max(sessionTimeoutMs, 60_000),
          }),
      maxBytesPerPartition,
      // One fetch response holds at most a few partitions' worth (the client's default is 50 MB).
      // Measured on bench:counter (3 partitions, 3 MiB each): ×4 with rounds of 20,000 gave
      // 15.3-18.2k events/s at 281-289 MB; ×2 with 10,000, 11.1-15.7k/s at 260-265 MB (a response
      // then leaves a partition out of the round); ×3 with whole responses per round 18.7k/s at 357 MB.
      maxBytes: maxBytesPerPartition * 4,
      maxWaitTime: options.maxWaitTimeInMs ?? 500,
      // A few quick retries per request; a fault that outlasts them replaces the consumer (below).
      retries: 3,
      retryDelay: 500,
      deserializers: { headerKey: stringDeserializer, headerValue: stringDeserializer },
    });
    // The client's own error events (its rejoin failed: no more heartbeats) leave it dead: replace it.
    logBrokerFaults(created, kafka, (error) => {
      if (consumer === created) scheduleRecreate(error);
    });
    created.on("consumer:group:join", (payload: { assignments?: unknown }) => {
      if (consumer !== created) return;
      // The consumer protocol announces a join whose first heartbeat failed too; its heartbeats say when it is in.
      if (protocol === "classic") {
        enterGroup();
        alive();
      }
      logger.info({ assignments: payload.assignments }, "joined the consumer group");
      // The stream that joined keeps positions of before the join (the client resumes a partition
      // that comes back from where it last fetched): start again from what Postgres holds.
      if (stream !== undefined) requestRebuild();
    });
    created.on("consumer:group:rebalance", () => {
      if (consumer === created) joined = false;
    });
    // The consumer protocol announces the first join only; later assignments arrive with
    // heartbeats, and a stream keeps the positions it was built with for partitions it gains (stale
    // by what their previous owner applied since): rebuild it from Postgres when the set grows. A
    // partition lost leaves every stream's fresh set, so one that comes back is fetched anew too.
    let owned = new Set<string>();
    const disown = (keys: Iterable<string>) => {
      for (const key of keys) {
        for (const fresh of freshSets) fresh.delete(key);
        applied.delete(key);
      }
    };
    created.on("consumer:heartbeat:end", () => {
      if (consumer !== created) return;
      alive();
      if (protocol !== "consumer" || created.assignments === null) return;
      if (recreateTimer === undefined && !joined) enterGroup();
      const now = assignedKeys(created);
      const gained = [...now].some((key) => !owned.has(key));
      if (!gained && now.size === owned.size) return;
      disown([...owned].filter((key) => !now.has(key)));
      owned = now;
      logger.info({ assignments: created.assignments }, "partition assignment changed");
      if (gained && stream !== undefined) requestRebuild();
    });
    created.on("consumer:heartbeat:error", (payload: { error?: unknown }) => {
      if (consumer !== created || protocol !== "consumer") return;
      const names = kafkaErrorNames(payload.error);
      if (!names.includes("FENCED_MEMBER_EPOCH") && !names.includes("UNKNOWN_MEMBER_ID")) return;
      // Out of the group (its session ended): nothing it holds is its own any more.
      joined = false;
      disown(owned);
      owned = new Set();
      // The client rejoins by itself when fenced, but keeps heartbeating a member id the broker
      // has forgotten (seen: UNKNOWN_MEMBER_ID for as long as it ran, still fetching): a new one.
      if (names.includes("UNKNOWN_MEMBER_ID")) {
        scheduleRecreate(new Error("the group no longer knows this member (its session ended while it was stalled); joining again"));
      }
    });
    return created;
  }

  async function openStream(owner: Consumer<Buffer, Buffer, string, string>): Promise<void> {
    const began = performance.now();
    // Consumer protocol: the partitions this stream's positions are fresh for, read before the
    // positions. One assigned later would be fetched from where this stream began (stale by what its
    // previous owner applied since); one lost meanwhile leaves the set (disown).
    const fresh = protocol === "consumer" ? assignedKeys(owner) : undefined;
    const positions = await options.loadPositions();
    const wanted = new Set(options.topics);
    const offsets = positions
      .filter((position) => wanted.has(position.topic))
      .map((position) => ({ topic: position.topic, partition: position.partition, offset: BigInt(position.nextOffset) }));
    const startedAt = new Map(offsets.map((o) => [keyOf(o.topic, o.partition), o.offset.toString()]));
    const previous = stream;
    previous?.pause();
    const next: Stream = await owner.consume({
      topics: [...options.topics],
      mode: MessagesStreamModes.MANUAL,
      offsets,
      // Partitions without a stored position start at the log start.
      fallbackMode: "earliest",
      autocommit: false,
    });
    if (consumer !== owner || stopping) {
      await next.close().catch(() => undefined);
      return;
    }
    stream = next;
    logger.debug({ ms: Math.round(performance.now() - began), partitions: fresh?.size }, "fetch stream built from the stored positions");
    void readLoop(next, startedAt, fresh);
    // Opened before the old one closes: the group keeps this member (closing first would rejoin).
    // Not awaited: a close can wait for the old stream's in-flight fetch or a rebalance, and the new
    // stream must not wait with it (seen: 20 s without fetching a newly assigned partition).
    if (previous !== undefined) void previous.close().catch(() => undefined);
  }

  /** Rebuilds the fetch stream from the stored positions; requests while one runs coalesce into one more. */
  function requestRebuild(delayMs = 0): void {
    if (rebuilding !== undefined) {
      rebuildAgain = true;
      return;
    }
    const owner = consumer;
    if (owner === undefined || stopping) return;
    rebuilding = (async () => {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      do {
        rebuildAgain = false;
        if (consumer !== owner || stopping) return;
        try {
          await openStream(owner);
        } catch (error) {
          // PostgreSQL or the broker unreachable: the stream stays paused; try again after a back-off.
          const cause = error instanceof Error ? error : new Error(String(error));
          if (isConfigurationError(cause)) return fatal(cause);
          logger[crashes.levelFor("warn", `${cause.name} ${cause.message}`)](
            { err: cause },
            "could not restart the fetch stream; retrying",
          );
          await new Promise((resolve) => setTimeout(resolve, backoff()));
          rebuildAgain = true;
        }
      } while (rebuildAgain);
    })().finally(() => {
      rebuilding = undefined;
    });
  }

  /** A consumer broken by a fault: a new one after a delay, again and again while the fault lasts. */
  function scheduleRecreate(error: Error): void {
    if (stopping || recreateTimer !== undefined) return;
    if (isConfigurationError(error)) return fatal(error);
    const held = heldElsewhere(error);
    if (held !== undefined) return fatal(held);
    joined = false;
    const delay = backoff();
    logger[crashes.levelFor("warn", `${error.name} ${error.message}`)](
      { err: error, attempt: failures, delayMs: delay },
      "consumer stopped by a fault; a new one joins after a delay",
    );
    recreateTimer = setTimeout(() => {
      recreateTimer = undefined;
      if (stopping) return;
      const failed = consumer;
      const failedStream = stream;
      consumer = undefined;
      stream = undefined;
      void (async () => {
        await failedStream?.close().catch(() => undefined);
        await failed?.close(true).catch(() => undefined);
        if (stopping) return;
        try {
          await runConsumer();
        } catch (startError) {
          scheduleRecreate(startError instanceof Error ? startError : new Error(String(startError)));
        }
      })();
    }, delay);
    recreateTimer.unref?.();
  }

  async function runConsumer(): Promise<void> {
    const created = newConsumer();
    consumer = created;
    await openStream(created);
  }

  /**
   * One lane per partition: a partition's messages are applied in order, one batch at a time, and
   * up to partitionsConsumedConcurrently lanes apply side by side. A lane that finishes takes what
   * arrived for its partition meanwhile, at once: no lane waits for the others (a round-based loop
   * left the main thread idle while the slowest transaction of a round finished, and Postgres idle
   * while the next round was decoded). Messages held (queued or being applied) are bounded by
   * MAX_HELD_MESSAGES; past it the stream's buffer fills and the client stops fetching.
   */
  async function readLoop(source: Stream, startedAt: ReadonlyMap<string, string>, fresh: Set<string> | undefined): Promise<void> {
    if (fresh !== undefined) freshSets.add(fresh);
    try {
      await readLanes(source, startedAt, fresh);
    } finally {
      if (fresh !== undefined) freshSets.delete(fresh);
    }
  }

  async function readLanes(source: Stream, startedAt: ReadonlyMap<string, string>, fresh: ReadonlySet<string> | undefined): Promise<void> {
    let wake: (() => void) | undefined;
    const kick = () => {
      const resolve = wake;
      wake = undefined;
      resolve?.();
    };
    // A permanent 'readable' listener: without one the client's stream does not fetch.
    source.on("readable", kick);
    source.on("end", kick);
    source.on("close", kick);
    source.on("fetch", alive);
    source.on("error", (error: Error) => {
      kick();
      if (stream === source) scheduleRecreate(error);
    });
    interface Lane {
      key: string;
      topic: string;
      partition: number;
      /** Converted as they are read: the client's message objects (a bound commit, a headers Map, bigints) are not kept while they wait. */
      queue: InboundMessage[];
      /** The leader epoch of the newest message read, for the offset hint. */
      leaderEpoch: number;
      applying: boolean;
      /** The first batch of a lane answers the fetch at the partition's stored position (acceptGapFrom). */
      started: boolean;
    }
    const lanes = new Map<string, Lane>();
    let held = 0;
    let applying = 0;
    let abandoned = false;
    const active = () => stream === source && !stopping && !abandoned;

    // A failed apply or a seek ends this stream: no lane starts again, and the stream is rebuilt
    // from the stored positions (batches still applying finish; Postgres ignores what they repeat).
    function abandon(delayMs: number | undefined): void {
      if (abandoned) return;
      abandoned = true;
      source.pause();
      if (stream === source) requestRebuild(delayMs);
      kick();
    }

    function startLane(lane: Lane): void {
      const messages = lane.queue;
      const leaderEpoch = lane.leaderEpoch;
      lane.queue = [];
      lane.applying = true;
      applying += 1;
      const acceptGapFrom = lane.started ? undefined : (startedAt.get(lane.key) ?? "0");
      lane.started = true;
      apply({ topic: lane.topic, partition: lane.partition, messages }, acceptGapFrom)
        .then(
          (decision) => {
            if (!active()) return;
            if (decision.kind === "seek") {
              logger.info(
                { topic: lane.topic, partition: lane.partition, offset: decision.offset },
                "fetch position ran ahead of the stored offset; fetching again from the stored positions",
              );
              abandon(undefined);
              return;
            }
            failures = 0;
            hint(lane.topic, lane.partition, decision.nextOffset, leaderEpoch);
          },
          (reason: unknown) => {
            if (!active()) return;
            const cause = reason instanceof Error ? reason : new Error(String(reason));
            if (isConfigurationError(cause)) {
              abandoned = true;
              fatal(cause);
              return;
            }
            logger[crashes.levelFor("error", `${cause.name} ${cause.message}`)](
              { err: cause },
              "applying a batch failed; fetching again from the stored positions",
            );
            abandon(backoff());
          },
        )
        .finally(() => {
          lane.applying = false;
          applying -= 1;
          held -= messages.length;
          kick();
        });
    }

    while (active()) {
      let read = 0;
      for (let record: KafkaRecord | null; held < MAX_HELD_MESSAGES && (record = source.read() as KafkaRecord | null) !== null;) {
        const key = keyOf(record.topic, record.partition);
        if (fresh !== undefined && !fresh.has(key)) {
          // A partition gained since this stream was built: nothing of it is applied from here.
          abandon(undefined);
          break;
        }
        let lane = lanes.get(key);
        if (lane === undefined) {
          lane = { key, topic: record.topic, partition: record.partition, queue: [], leaderEpoch: -1, applying: false, started: false };
          lanes.set(key, lane);
        }
        lane.queue.push(toInboundMessage(record));
        lane.leaderEpoch = record.leaderEpoch;
        held += 1;
        read += 1;
      }
      let started = 0;
      for (const lane of [...lanes.values()]) {
        if (applying >= options.partitionsConsumedConcurrently) break;
        if (lane.applying || lane.queue.length === 0) continue;
        if (fresh !== undefined && !fresh.has(lane.key)) {
          // Lost since it was read: its new owner applies it.
          held -= lane.queue.length;
          lane.queue = [];
          continue;
        }
        // To the back of the order: lanes take turns when more partitions have data than may apply at once.
        lanes.delete(lane.key);
        lanes.set(lane.key, lane);
        startLane(lane);
        started += 1;
      }
      if (read > 0 || started > 0) continue;
      if (applying === 0 && (source.destroyed || source.readableEnded)) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  }

  async function apply(batch: PartitionBatch, acceptGapFrom: string | undefined): Promise<BatchDecision> {
    const task = options.applyBatch(batch, acceptGapFrom);
    inFlight.add(task);
    try {
      const decision = await task;
      alive();
      return decision;
    } finally {
      inFlight.delete(task);
    }
  }

  /** Kafka's committed offset: a hint only (Postgres decides what is applied), at most once per partition a second. */
  function hint(topic: string, partition: number, nextOffset: string, leaderEpoch: number): void {
    const key = keyOf(topic, partition);
    applied.set(key, { topic, partition, next: BigInt(nextOffset) });
    const now = Date.now();
    if (now - (lastHintAt.get(key) ?? 0) < HINT_INTERVAL_MS) return;
    lastHintAt.set(key, now);
    const owner = consumer;
    owner
      ?.commit({ offsets: [{ topic, partition, offset: BigInt(nextOffset), leaderEpoch }] })
      .catch((error: unknown) => logger.debug({ err: error, topic, partition }, "could not commit the offset hint to Kafka"));
  }

  async function reportLag(): Promise<void> {
    const owner = consumer;
    if (options.onLag === undefined || owner === undefined || applied.size === 0) return;
    const latest = await owner.listOffsets({ topics: [...new Set([...applied.values()].map((entry) => entry.topic))] });
    for (const entry of applied.values()) {
      const high = latest.get(entry.topic)?.[entry.partition];
      if (high !== undefined) options.onLag(entry.topic, entry.partition, Math.max(0, Number(high - entry.next)));
    }
  }

  return {
    async start() {
      stopping = false;
      if (protocol === "consumer") {
        // Best effort: below the broker's minimum (or without the right to alter group configs) the
        // broker's own session timeout applies, and a killed member's partitions wait for that.
        await setConsumerGroupLiveness(kafka, options.group, sessionTimeoutMs).catch((error: unknown) =>
          logger.warn(
            { err: error, group: options.group, sessionTimeoutMs },
            "could not set the group's session timeout (group.consumer.min.session.timeout.ms of the broker?); the broker's own applies",
          ),
        );
      }
      // A fresh or restarting broker answers the first join with retriable conditions: start-up
      // waits them out too, and fails only on a configuration error.
      for (;;) {
        try {
          await runConsumer();
          break;
        } catch (error) {
          const cause = error instanceof Error ? error : new Error(String(error));
          if (isConfigurationError(cause)) throw cause;
          const held = heldElsewhere(cause);
          if (held !== undefined) throw held;
          joined = false;
          const failed = consumer;
          consumer = undefined;
          await failed?.close(true).catch(() => undefined);
          if (stopping) return;
          const delay = backoff();
          logger[crashes.levelFor("warn", `${cause.name} ${cause.message}`)](
            { err: cause, attempt: failures, delayMs: delay },
            "consumer could not start; retrying",
          );
          await new Promise((resolve) => setTimeout(resolve, delay));
          if (stopping) return;
        }
      }
      lagTimer = setInterval(() => {
        reportLag().catch(() => undefined);
      }, LAG_INTERVAL_MS);
      lagTimer.unref?.();
    },
    async stop() {
      stopping = true;
      joined = false;
      clearTimeout(recreateTimer);
      recreateTimer = undefined;
      clearInterval(lagTimer);
      const running = consumer;
      const current = stream;
      consumer = undefined;
      stream = undefined;
      current?.pause();
      await Promise.allSettled([...inFlight]);
      await rebuilding?.catch(() => undefined);
      await current?.close().catch(() => undefined);
      await running?.close().catch(() => undefined);
    },
    isReady: () => joined && Date.now() - lastAliveAt < CONSUMER_LIVENESS_MS,
  };
}

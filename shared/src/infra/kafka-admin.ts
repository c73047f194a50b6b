import { ListOffsetTimestamps } from "@platformatic/kafka";
import { createAdmin, type KafkaClient } from "./kafka.ts";

/**
 * Whether a consumer group has members now. Classic groups answer DescribeGroups with their
 * members; a consumer-protocol (KIP-848) group is not described by that API (this client has no
 * ConsumerGroupDescribe), so its state from ListGroups decides: anything but Empty or Dead has
 * members, their number unknown (null).
 */
export async function groupActivity(
  kafka: KafkaClient,
  group: string,
): Promise<{ active: boolean; members: number | null; state: string }> {
  const admin = createAdmin(kafka);
  try {
    const described = (await admin.describeGroups({ groups: [group] })).get(group);
    const members = described?.members.size ?? 0;
    if (members > 0) return { active: true, members, state: described?.state ?? "unknown" };
    const listed = (await admin.listGroups({ types: ["consumer"] })).get(group);
    if (listed !== undefined && listed.state !== "Empty" && listed.state !== "Dead") {
      return { active: true, members: null, state: listed.state };
    }
    return { active: false, members: 0, state: listed?.state ?? described?.state ?? "unknown" };
  } finally {
    await admin.close();
  }
}

/**
 * Per partition of `topic`: the first offset whose timestamp is at or after `at` (ms), or the end
 * of the partition when there is none.
 */
export async function offsetsAtTime(kafka: KafkaClient, topic: string, at: number): Promise<{ partition: number; offset: string }[]> {
  const admin = createAdmin(kafka);
  try {
    const metadata = await admin.metadata({ topics: [topic] });
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
    const ask = async (timestamp: bigint) => {
      const answer = await admin.listOffsets({
        topics: [{ name: topic, partitions: Array.from({ length: count }, (_, partitionIndex) => ({ partitionIndex, timestamp })) }],
      });
      return new Map((answer[0]?.partitions ?? []).map((p) => [p.partitionIndex, p.offset]));
    };
    const [atTime, latest] = await Promise.all([ask(BigInt(at)), ask(ListOffsetTimestamps.LATEST)]);
    return Array.from({ length: count }, (_, partition) => {
      const found = atTime.get(partition);
      const offset = found === undefined || found < 0n ? (latest.get(partition) ?? 0n) : found;
      return { partition, offset: offset.toString() };
    });
  } finally {
    await admin.close();
  }
}

/** Sets a stopped group's committed offsets (the hint) for some partitions of `topic`. */
export async function setGroupOffsets(
  kafka: KafkaClient,
  group: string,
  topic: string,
  partitions: readonly { partition: number; offset: string }[],
): Promise<void> {
  const admin = createAdmin(kafka);
  try {
    await admin.alterConsumerGroupOffsets({
      groupId: group,
      topics: [{ name: topic, partitionOffsets: partitions.map((p) => ({ partition: p.partition, offset: BigInt(p.offset) })) }],
    });
  } finally {
    await admin.close();
  }
}

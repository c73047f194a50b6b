import { createHash } from "node:crypto";

// A fixed namespace for name-based (v5) UUIDs of threshold-crossed events. Never change it:
// consumers dedupe on eventId, and a re-publish must carry the same id as the first publish.
const THRESHOLD_CROSSED_NAMESPACE = "3d9c1f4e-7b1a-4c55-9a0e-6f1b2c3d4e5f";

/** A name-based (v5, RFC 9562) UUID: the same name in the same namespace always gives the same id. */
export function uuidV5(name: string, namespace: string): string {
  const hash = createHash("sha1")
    .update(Buffer.from(namespace.replaceAll("-", ""), "hex"))
    .update(name, "utf8")
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The eventId of the threshold-crossed event for a crossing record: same record, same eventId. */
export function thresholdCrossedEventId(recordId: string): string {
  return uuidV5(`honorarium.threshold-crossed.v1/${recordId}`, THRESHOLD_CROSSED_NAMESPACE);
}

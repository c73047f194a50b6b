import type { z } from "zod";
import type { DeadLetterErrorCode } from "@honorarium/shared/contracts";

export type Decoded<T> = { ok: true; event: T } | { ok: false; errorCode: DeadLetterErrorCode; reason: string };

const MAX_REASON_LENGTH = 500;

function truncate(text: string): string {
  return text.length <= MAX_REASON_LENGTH ? text : `${text.slice(0, MAX_REASON_LENGTH - 1)}…`;
}

/** Names every failing field, so whoever reads the dead letter knows what to fix. */
export function describeSchemaIssues(issues: readonly z.core.$ZodIssue[]): string {
  return truncate(issues.map((issue) => `${issue.path.length === 0 ? "(message)" : issue.path.join(".")}: ${issue.message}`).join("; "));
}

/**
 * A Kafka message value → a valid event, or the reason it is a dead letter.
 * Size is checked first: an oversized message is never parsed.
 */
export function decodeMessage<T>(value: Buffer | null, schema: z.ZodType<T>, maxBytes: number): Decoded<T> {
  if (value === null || value.length === 0) return { ok: false, errorCode: "not_json", reason: "empty message value" };
  if (value.length > maxBytes) {
    return { ok: false, errorCode: "too_large", reason: `message is ${value.length} bytes, larger than the limit of ${maxBytes}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(value.toString("utf8"));
  } catch (error) {
    return {
      ok: false,
      errorCode: "not_json",
      reason: truncate(`not valid JSON: ${error instanceof Error ? error.message : String(error)}`),
    };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, errorCode: "schema", reason: describeSchemaIssues(parsed.error.issues) };
  return { ok: true, event: parsed.data };
}

import { createHmac } from "node:crypto";

const SECRET_PREFIX = "whsec_";

/** The signing key of a Standard Webhooks secret (`whsec_` + base64). */
export function webhookSigningKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(encoded, "base64");
}

export interface SignedWebhookHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/**
 * Standard Webhooks v1 signature: base64 HMAC-SHA256 over "{id}.{timestamp}.{body}".
 * The id stays the same on every retry (the receiver dedupes on it); the timestamp is the
 * attempt's, in seconds. With several secrets (a rotation's overlap window: the current one
 * first, then the previous) every signature is sent, space-separated, so a receiver that still
 * holds the previous secret verifies as well as one that already has the new one.
 */
export function signWebhook(
  secrets: string | readonly string[],
  messageId: string,
  timestampSeconds: number,
  body: string,
): SignedWebhookHeaders {
  const list = typeof secrets === "string" ? [secrets] : secrets;
  if (list.length === 0) throw new RangeError("at least one secret is needed to sign");
  const content = `${messageId}.${timestampSeconds}.${body}`;
  const signatures = list.map((secret) => `v1,${createHmac("sha256", webhookSigningKey(secret)).update(content).digest("base64")}`);
  return {
    "webhook-id": messageId,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": signatures.join(" "),
  };
}

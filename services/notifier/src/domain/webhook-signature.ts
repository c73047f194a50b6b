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
 * attempt's, in seconds.
 */
export function signWebhook(secret: string, messageId: string, timestampSeconds: number, body: string): SignedWebhookHeaders {
  const signature = createHmac("sha256", webhookSigningKey(secret)).update(`${messageId}.${timestampSeconds}.${body}`).digest("base64");
  return {
    "webhook-id": messageId,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": `v1,${signature}`,
  };
}

/**
 * Web Push in the browser: the service worker at /sw.js (src/sw) and the PushManager subscription
 * the notifier sends to. The screen (PushToggle) shows the state; the wiring is here.
 */

export type PushState = "unsupported" | "no-key" | "denied" | "off" | "on";

export const SW_URL = "/sw.js";

/** The VAPID public key as the API serves it (base64url, an uncompressed P-256 point) → bytes. */
export function applicationServerKey(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url
    .replace(/-/g, "+")
    .replace(/_/g, "/")
    .padEnd(Math.ceil(base64url.length / 4) * 4, "=");
  const binary = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export const pushSupported = (): boolean =>
  typeof navigator !== "undefined" &&
  "serviceWorker" in navigator &&
  typeof PushManager !== "undefined" &&
  typeof Notification !== "undefined";

/** What this browser's state is, without registering anything (the worker is registered on request). */
export async function currentPushState(publicKey: string | null): Promise<PushState> {
  if (!pushSupported()) return "unsupported";
  if (publicKey === null) return "no-key";
  if (Notification.permission === "denied") return "denied";
  const registration = await navigator.serviceWorker.getRegistration("/");
  const subscription = await registration?.pushManager.getSubscription();
  return subscription === null || subscription === undefined ? "off" : "on";
}

export interface SubscriptionJson {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** A PushSubscription as push.subscribe takes it. */
export function subscriptionJson(subscription: PushSubscription): SubscriptionJson {
  const json = subscription.toJSON();
  const p256dh = json.keys?.p256dh;
  const auth = json.keys?.auth;
  if (json.endpoint === undefined || p256dh === undefined || auth === undefined)
    throw new Error("the browser gave a subscription without keys");
  return { endpoint: json.endpoint, keys: { p256dh, auth } };
}

/**
 * Registers the worker, asks for permission and subscribes with the VAPID key; "denied" or "off"
 * when the user refuses or dismisses the prompt. An existing subscription made with another key
 * (the key was rotated) is replaced.
 */
export async function subscribe(publicKey: string): Promise<{ state: "denied" | "off" } | { state: "on"; subscription: SubscriptionJson }> {
  await navigator.serviceWorker.register(SW_URL, { scope: "/" });
  const registration = await navigator.serviceWorker.ready;
  const permission = await Notification.requestPermission();
  if (permission === "denied") return { state: "denied" };
  if (permission !== "granted") return { state: "off" };
  const key = applicationServerKey(publicKey);
  const existing = await registration.pushManager.getSubscription();
  if (existing !== null && !sameKey(existing.options.applicationServerKey, key)) await existing.unsubscribe();
  const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  return { state: "on", subscription: subscriptionJson(subscription) };
}

/** Ends this browser's subscription; the endpoint, for push.unsubscribe, or null if there was none. */
export async function unsubscribe(): Promise<string | null> {
  const registration = await navigator.serviceWorker.getRegistration("/");
  const subscription = await registration?.pushManager.getSubscription();
  if (subscription === null || subscription === undefined) return null;
  await subscription.unsubscribe();
  return subscription.endpoint;
}

function sameKey(current: ArrayBuffer | null, wanted: Uint8Array): boolean {
  if (current === null) return false;
  const bytes = new Uint8Array(current);
  return bytes.length === wanted.length && bytes.every((byte, i) => byte === wanted[i]);
}

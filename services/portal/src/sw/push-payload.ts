/**
 * What the service worker does with a push and with a click on its notification, as pure functions
 * (unit-tested; the worker itself only wires them to the events). The notifier sends
 * `{ type, title, body, deepLink, data }` (services/notifier/src/domain/notifications.ts, pushBody).
 */

/** The parts of NotificationOptions the worker sets (lib-neutral: the DOM and WebWorker libs both accept it). */
export interface PushNotification {
  title: string;
  options: { body: string; tag: string | undefined; data: { url: string } };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;
const text = (value: unknown): string | undefined => (typeof value === "string" && value.trim() !== "" ? value : undefined);

/**
 * The same-origin path a notification opens: the deep link's path, query and fragment on this
 * portal's origin whatever base the notifier was given (its links may name another host, e.g.
 * localhost vs 127.0.0.1); anything that is not an http(s) URL or path opens the feed.
 */
export function clickPath(deepLink: unknown, origin: string): string {
  const fallback = "/notifications";
  const link = text(deepLink);
  if (link === undefined) return fallback;
  let url: URL;
  try {
    url = new URL(link, origin);
  } catch {
    return fallback;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return fallback;
  return url.pathname + url.search + url.hash;
}

/**
 * The notification for a push message's data (already decrypted by the browser). A body that is
 * not the notifier's JSON still shows something rather than nothing: Chrome would otherwise show
 * its own "site updated in the background" notice for a userVisibleOnly subscription.
 */
export function notificationFor(raw: string | null, origin: string, fallbackTitle: string): PushNotification {
  let payload: unknown = undefined;
  if (raw !== null) {
    try {
      payload = JSON.parse(raw);
    } catch {
      payload = undefined;
    }
  }
  const record = isRecord(payload) ? payload : {};
  const data = isRecord(record.data) ? record.data : {};
  // The crossing's record, or the reminded delivery: the same thing notified twice replaces itself.
  const subject = text(data.recordId) ?? text(data.deliveryId);
  const type = text(record.type);
  return {
    title: text(record.title) ?? fallbackTitle,
    options: {
      body: text(record.body) ?? (isRecord(payload) ? "" : (text(raw) ?? "")),
      tag: type !== undefined && subject !== undefined ? `${type}:${subject}` : undefined,
      data: { url: clickPath(record.deepLink, origin) },
    },
  };
}

/** The URL a click opens, from the notification's data (set by notificationFor). */
export function urlOfNotification(data: unknown, origin: string): string {
  const path = isRecord(data) ? clickPath(data.url, origin) : "/notifications";
  return new URL(path, origin).href;
}

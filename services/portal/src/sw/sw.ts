/**
 * The portal's service worker (built to /sw.js, scope "/"): shows the notifier's Web Push messages
 * and opens their deep link on this origin when one is clicked. It caches nothing.
 */
import { notificationFor, urlOfNotification } from "./push-payload.ts";

declare const self: ServiceWorkerGlobalScope;

const FALLBACK_TITLE = "Honorar";

self.addEventListener("install", () => {
  void self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("push", (event) => {
  const { title, options } = notificationFor(event.data?.text() ?? null, self.location.origin, FALLBACK_TITLE);
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = urlOfNotification(event.notification.data, self.location.origin);
  event.waitUntil(
    (async () => {
      // A portal tab this worker controls: bring it to the deep link; otherwise a new tab.
      const windows = await self.clients.matchAll({ type: "window" });
      const open = windows.find((client) => new URL(client.url).origin === self.location.origin);
      if (open !== undefined) {
        try {
          const focused = await open.focus();
          if ((await focused.navigate(url)) !== null) return;
        } catch {
          // Focus or navigation refused (e.g. no user activation): fall back to a new window.
        }
      }
      await self.clients.openWindow(url);
    })(),
  );
});

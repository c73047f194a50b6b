import type { HandlerOptions } from "../types.ts";

/**
 * The application server key a browser needs for PushManager.subscribe. Public by design; null
 * while Web Push is not configured (the notifier then skips the channel).
 */
export function vapidPublicKeyHandler({ ctx }: HandlerOptions<void>) {
  return { publicKey: ctx.deps.settings.vapidPublicKey ?? null };
}

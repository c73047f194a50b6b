/**
 * What a user may turn on or off per channel and category (issue 15). Webhooks are the
 * organization's, not a person's, so they are not here. The notifier reads these when it plans
 * a message; the query API lets the user set them.
 */
export const PREFERENCE_CHANNELS = ["web_push", "in_app"] as const;
export type PreferenceChannel = (typeof PREFERENCE_CHANNELS)[number];

export const PREFERENCE_CATEGORIES = ["threshold_crossed", "delivery_reminder", "delivery_failures"] as const;
export type PreferenceCategory = (typeof PREFERENCE_CATEGORIES)[number];

export interface NotificationPreference {
  channel: PreferenceChannel;
  category: PreferenceCategory;
  enabled: boolean;
}

/** Everything is on unless the user turned it off: a new coordinator misses nothing. */
export function effectivePreferences(stored: readonly NotificationPreference[]): NotificationPreference[] {
  return PREFERENCE_CHANNELS.flatMap((channel) =>
    PREFERENCE_CATEGORIES.map((category) => ({
      channel,
      category,
      enabled: stored.find((entry) => entry.channel === channel && entry.category === category)?.enabled ?? true,
    })),
  );
}

/**
 * The organisation locales (organization_settings.locale): Norwegian Bokmål (the default), Nynorsk,
 * English. One list for the settings API that stores it and the notifier's message catalogue that
 * writes in it: a locale the API accepts always has texts.
 */
export const LOCALES = ["nb", "nn", "en"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "nb";

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/** A stored locale that is not in the list falls back to the default, never to English. */
export function localeOrDefault(value: unknown): Locale {
  return isLocale(value) ? value : DEFAULT_LOCALE;
}

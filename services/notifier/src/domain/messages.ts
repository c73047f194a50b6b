/**
 * The message catalogue: every title and body a person reads, per organization locale
 * (organization_settings.locale: nb is the default, nn and en). Amounts and dates are formatted
 * with Intl for the locale (Node's ICU writes `1 500,00 kr` and `1. desember 2026` for nb).
 * No raw id appears in human text: the deep link identifies the mentor.
 */
import type { Locale } from "@honorarium/shared/domain";

export function formatAmount(locale: Locale, amount: string, currency: string): string {
  const value = Number(amount);
  if (!Number.isFinite(value)) return `${amount} ${currency}`;
  return new Intl.NumberFormat(locale, { style: "currency", currency }).format(value);
}

export function formatDate(locale: Locale, at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "long", timeZone }).format(at);
}

export interface Text {
  title: string;
  body: string;
}

interface Catalogue {
  thresholdCoordinatorTitle: string;
  thresholdMentorTitle: string;
  /** tier, count, amount, where ("" or " i Region Nord") */
  thresholdCoordinatorBody(tier: string, count: number, amount: string, where: string): string;
  thresholdMentorBody(tier: string, count: number, amount: string): string;
  inScope(name: string): string;
  reminderTitle: string;
  reminderBody(date: string): string;
  webhookDisabledTitle: string;
  webhookDisabledBody(reason: string): string;
  digestTitle(where: string): string;
  /** total crossings, the local date, "2 × Kontorhonorar, 1 × Høyere sats" */
  digestBody(total: number, date: string, tiers: string): string;
  yourScope: string;
}

const CATALOGUE: Record<Locale, Catalogue> = {
  nb: {
    thresholdCoordinatorTitle: "Honorargrense nådd",
    thresholdMentorTitle: "Du har nådd en honorargrense",
    thresholdCoordinatorBody: (tier, count, amount, where) =>
      `En likeperson${where} har nådd ${tier} etter ${count} oppdrag (${amount}). Åpne for å se hvem og behandle utbetalingen.`,
    thresholdMentorBody: (tier, count, amount) => `Du har nådd ${tier} etter ${count} oppdrag (${amount}).`,
    inScope: (name) => ` i ${name}`,
    reminderTitle: "Et oppdrag venter på deg",
    reminderBody: (date) => `Et oppdrag levert ${date} er ikke åpnet ennå.`,
    webhookDisabledTitle: "Webhook slått av",
    webhookDisabledBody: (reason) =>
      `Organisasjonens webhook er slått av fordi den har feilet over tid (${reason}). Rett mottakeren og slå den på igjen.`,
    digestTitle: (where) => `Daglig oppsummering: ${where}`,
    digestBody: (total, date, tiers) =>
      `${total} ${total === 1 ? "honorargrense" : "honorargrenser"} nådd ${date}: ${tiers}. Åpne oversikten for å behandle utbetalingene.`,
    yourScope: "ditt område",
  },
  nn: {
    thresholdCoordinatorTitle: "Honorargrense nådd",
    thresholdMentorTitle: "Du har nådd ei honorargrense",
    thresholdCoordinatorBody: (tier, count, amount, where) =>
      `Ein likeperson${where} har nådd ${tier} etter ${count} oppdrag (${amount}). Opne for å sjå kven og handsame utbetalinga.`,
    thresholdMentorBody: (tier, count, amount) => `Du har nådd ${tier} etter ${count} oppdrag (${amount}).`,
    inScope: (name) => ` i ${name}`,
    reminderTitle: "Eit oppdrag ventar på deg",
    reminderBody: (date) => `Eit oppdrag levert ${date} er ikkje opna enno.`,
    webhookDisabledTitle: "Webhook slått av",
    webhookDisabledBody: (reason) =>
      `Webhooken til organisasjonen er slått av fordi han har feila over tid (${reason}). Rett mottakaren og slå han på att.`,
    digestTitle: (where) => `Dagleg oppsummering: ${where}`,
    digestBody: (total, date, tiers) =>
      `${total} ${total === 1 ? "honorargrense" : "honorargrenser"} nådd ${date}: ${tiers}. Opne oversikta for å handsame utbetalingane.`,
    yourScope: "området ditt",
  },
  en: {
    thresholdCoordinatorTitle: "Honorarium threshold reached",
    thresholdMentorTitle: "You reached an honorarium threshold",
    thresholdCoordinatorBody: (tier, count, amount, where) =>
      `A peer mentor${where} reached ${tier} at ${count} assignments (${amount}). Open to see who and process the payment.`,
    thresholdMentorBody: (tier, count, amount) => `You reached ${tier} at ${count} assignments (${amount}).`,
    inScope: (name) => ` in ${name}`,
    reminderTitle: "An assignment is waiting for you",
    reminderBody: (date) => `An assignment delivered on ${date} has not been opened yet.`,
    webhookDisabledTitle: "Webhook disabled",
    webhookDisabledBody: (reason) =>
      `The organization's webhook was disabled because it kept failing (${reason}). Fix the receiver and enable it again.`,
    digestTitle: (where) => `Daily summary: ${where}`,
    digestBody: (total, date, tiers) =>
      `${total} honorarium ${total === 1 ? "threshold" : "thresholds"} reached on ${date}: ${tiers}. Open the dashboard to process the payments.`,
    yourScope: "your scope",
  },
};

export interface ThresholdTextInput {
  tierName: string;
  thresholdCount: number;
  honorariumAmount: string;
  currency: string;
  /** The scope's display name (organization-supplied, never a person); null: none known. */
  scopeName: string | null;
}

export function thresholdText(locale: Locale, role: "coordinator" | "peer_mentor", input: ThresholdTextInput): Text {
  const messages = CATALOGUE[locale];
  const amount = formatAmount(locale, input.honorariumAmount, input.currency);
  if (role === "peer_mentor") {
    return { title: messages.thresholdMentorTitle, body: messages.thresholdMentorBody(input.tierName, input.thresholdCount, amount) };
  }
  const where = input.scopeName === null ? "" : messages.inScope(input.scopeName);
  return {
    title: messages.thresholdCoordinatorTitle,
    body: messages.thresholdCoordinatorBody(input.tierName, input.thresholdCount, amount, where),
  };
}

export function reminderText(locale: Locale, deliveredAt: Date, timeZone: string): Text {
  const messages = CATALOGUE[locale];
  return { title: messages.reminderTitle, body: messages.reminderBody(formatDate(locale, deliveredAt, timeZone)) };
}

export function webhookDisabledText(locale: Locale, reason: string): Text {
  const messages = CATALOGUE[locale];
  return { title: messages.webhookDisabledTitle, body: messages.webhookDisabledBody(reason) };
}

export interface DigestTextInput {
  /** The scope's display name; null: none set. */
  scopeName: string | null;
  /** An instant of the summarised day, and the zone it is a day in. */
  day: Date;
  timeZone: string;
  total: number;
  tiers: readonly { tierName: string; count: number }[];
}

export function digestText(locale: Locale, input: DigestTextInput): Text {
  const messages = CATALOGUE[locale];
  const tiers = input.tiers.map((tier) => `${tier.count} × ${tier.tierName}`).join(", ");
  return {
    title: messages.digestTitle(input.scopeName ?? messages.yourScope),
    body: messages.digestBody(input.total, formatDate(locale, input.day, input.timeZone), tiers),
  };
}

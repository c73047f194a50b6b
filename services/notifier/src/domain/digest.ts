import { uuidV5 } from "@honorarium/shared/contracts";
import { type LocalDate, localTimeOf, startOfLocalDay } from "@honorarium/shared/domain";
import { digestText } from "./messages.ts";
import type { Channel, NotificationContent, PlannedJob, RecipientChannels } from "./notifications.ts";

/**
 * The daily digest (issue 15): a coordinator who chose it for a scope gets, in the organisation's
 * morning, one summary of the previous local day's crossings in that scope instead of a message
 * per crossing. The organisation's webhook still gets every crossing (it is an integration, not a
 * person's channel).
 */

/** The local day a digest summarises and the instants it spans ([from, until)). */
export interface DigestDay {
  day: LocalDate;
  /** YYYY-MM-DD */
  dayKey: string;
  from: Date;
  until: Date;
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/**
 * From `morningHour` (local wall clock) on, the digest of the previous local day is due; before it,
 * none. A notifier that was down all morning still sends it later that day; one down for a whole
 * day skips that day's digest (the crossings stay on the dashboard).
 */
export function digestDayAt(now: Date, timeZone: string, morningHour: number): DigestDay | null {
  const local = localTimeOf(now, timeZone);
  if (local.hour < morningHour) return null;
  const before = new Date(Date.UTC(local.year, local.month - 1, local.day - 1));
  const day = { year: before.getUTCFullYear(), month: before.getUTCMonth() + 1, day: before.getUTCDate() };
  return {
    day,
    dayKey: `${day.year}-${pad2(day.month)}-${pad2(day.day)}`,
    from: startOfLocalDay(day, timeZone),
    until: startOfLocalDay({ year: local.year, month: local.month, day: local.day }, timeZone),
  };
}

// A fixed namespace for digest job keys. Never change it: the same (organisation, user, scope, day)
// must always give the same key, which the unique job index lets through once.
const DIGEST_NAMESPACE = "5d1c7a2e-93b4-4f0a-8c61-2e7f04b9d3a8";

export function digestEventId(organizationId: string, userId: string, scopeId: string, dayKey: string): string {
  return uuidV5(`honorarium.daily-digest/${organizationId}/${userId}/${scopeId}/${dayKey}`, DIGEST_NAMESPACE);
}

/** One crossing the digest summarises. */
export interface DigestCrossing {
  recordId: string;
  tierName: string;
}

export interface DigestInput {
  organizationId: string;
  userId: string;
  scopeId: string;
  day: DigestDay;
  crossings: readonly DigestCrossing[];
}

/** Tier names with how often each was reached, most often first (then by name). */
export function tierTally(crossings: readonly DigestCrossing[]): { tierName: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const crossing of crossings) counts.set(crossing.tierName, (counts.get(crossing.tierName) ?? 0) + 1);
  return [...counts.entries()]
    .map(([tierName, count]) => ({ tierName, count }))
    .sort((a, b) => b.count - a.count || a.tierName.localeCompare(b.tierName));
}

/** The coordinator's digest jobs (Web Push when subscribed, in-app), by their preferences; none for a day without crossings. */
export function planDigest(input: DigestInput, channels: RecipientChannels, deepLinkBaseUrl: string): PlannedJob[] {
  if (input.crossings.length === 0) return [];
  const presentation = channels.presentation(input.organizationId);
  const text = digestText(presentation.locale, {
    scopeName: presentation.scopeName(input.scopeId),
    day: input.day.from,
    timeZone: presentation.timeZone,
    total: input.crossings.length,
    tiers: tierTally(input.crossings),
  });
  const content: NotificationContent = {
    type: "honorarium.daily_digest",
    title: text.title,
    body: text.body,
    deepLink: `${deepLinkBaseUrl}/`,
    data: {
      organizationId: input.organizationId,
      scopeId: input.scopeId,
      day: input.day.dayKey,
      crossings: input.crossings.length,
      recordIds: input.crossings.map((crossing) => crossing.recordId).join(","),
    },
  };
  const user = input.userId;
  const channelsFor: Channel[] = [];
  if (channels.hasPushSubscription(user) && channels.wants(user, "web_push", "threshold_crossed")) channelsFor.push("web_push");
  if (channels.wants(user, "in_app", "threshold_crossed")) channelsFor.push("in_app");
  const eventId = digestEventId(input.organizationId, user, input.scopeId, input.day.dayKey);
  return channelsFor.map((channel) => ({
    eventId,
    kind: "daily_digest",
    recordId: null,
    organizationId: input.organizationId,
    recipientId: user,
    recipientRole: "coordinator",
    channel,
    content,
    sourceRecordedAt: null,
  }));
}

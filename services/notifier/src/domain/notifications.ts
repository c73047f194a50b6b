import type { DeadLetterErrorCode, ThresholdCrossed } from "@honorarium/shared/contracts";
import { decodeEvent, thresholdCrossedSchema, thresholdCrossedTimes, uuidV5 } from "@honorarium/shared/contracts";
import { DEFAULT_LOCALE, type Locale, type PreferenceCategory, type PreferenceChannel } from "@honorarium/shared/domain";
import { reminderText, thresholdText } from "./messages.ts";

export const CHANNELS = ["webhook", "web_push", "in_app"] as const;
export type Channel = (typeof CHANNELS)[number];
export type RecipientRole = "coordinator" | "peer_mentor";
export type NotificationKind = "threshold_crossed" | "delivery_reminder" | "daily_digest";

/** What a recipient sees, stored as the job's payload; every channel renders it. */
export interface NotificationContent {
  type: "honorarium.threshold_crossed" | "assignment.delivery_reminder" | "honorarium.daily_digest";
  title: string;
  body: string;
  deepLink: string;
  data: Record<string, string | number | boolean | null>;
}

export interface PlannedJob {
  eventId: string;
  kind: NotificationKind;
  recordId: string | null;
  organizationId: string;
  recipientId: string;
  recipientRole: RecipientRole;
  channel: Channel;
  content: NotificationContent;
  sourceRecordedAt: Date | null;
}

/** Which channels reach whom, looked up before planning. */
export interface RecipientChannels {
  /** The organization has an enabled webhook. */
  organizationHasWebhook(organizationId: string): boolean;
  /** The user has at least one Web Push subscription (always false while Web Push is disabled). */
  hasPushSubscription(userId: string): boolean;
  /** The user takes a daily digest for this scope instead of a message per crossing (domain/digest.ts). */
  takesDigest(userId: string, scopeId: string | null): boolean;
  /** The user's preference for this channel and category (on unless they turned it off). */
  wants(userId: string, channel: PreferenceChannel, category: PreferenceCategory): boolean;
  /** How the organization's people read text: its locale, time zone and scope display names. */
  presentation(organizationId: string): OrganizationPresentation;
}

export interface OrganizationPresentation {
  locale: Locale;
  timeZone: string;
  /** The scope's display name (organization-supplied, a place or unit, never a person); null: none set. */
  scopeName(scopeId: string | null): string | null;
}

/** An organization with no settings row: Norwegian Bokmål, Oslo time, no scope names. */
export const DEFAULT_PRESENTATION: OrganizationPresentation = {
  locale: DEFAULT_LOCALE,
  timeZone: "Europe/Oslo",
  scopeName: () => null,
};

export type DecodedMessage = { valid: true; event: ThresholdCrossed } | { valid: false; code: DeadLetterErrorCode; reason: string };

/**
 * Parses one message value by the input rules every topic shares (shared/contracts input-rules:
 * storable text, the supported time window against the broker timestamp `timestamp`).
 */
export function decodeThresholdCrossed(value: Buffer | null, timestamp?: string): DecodedMessage {
  const decoded = decodeEvent(value, timestamp, { schema: thresholdCrossedSchema, timeFields: thresholdCrossedTimes });
  return decoded.ok ? { valid: true, event: decoded.event } : { valid: false, code: decoded.errorCode, reason: decoded.reason };
}

/** The mentor's count screen with the crossed milestone highlighted (spec 001, tap on the push). */
export function mentorCountsLink(deepLinkBaseUrl: string, peerMentorId: string, recordId: string): string {
  return `${deepLinkBaseUrl}/mentors/${encodeURIComponent(peerMentorId)}/counts?highlight=${encodeURIComponent(recordId)}`;
}

export function assignmentLink(deepLinkBaseUrl: string, assignmentId: string): string {
  return `${deepLinkBaseUrl}/assignments/${encodeURIComponent(assignmentId)}`;
}

function thresholdContent(
  event: ThresholdCrossed,
  role: RecipientRole,
  deepLinkBaseUrl: string,
  presentation: OrganizationPresentation,
): NotificationContent {
  // Human text names the tier, the amount and the scope, never the mentor: no name reaches this
  // system and an id identifies nobody to a person. The deep link opens the mentor's screen.
  const text = thresholdText(presentation.locale, role, {
    tierName: event.tierName,
    thresholdCount: event.thresholdCount,
    honorariumAmount: event.honorariumAmount,
    currency: event.currency,
    scopeName: presentation.scopeName(event.scopeId),
  });
  return {
    type: "honorarium.threshold_crossed",
    title: text.title,
    body: text.body,
    deepLink: mentorCountsLink(deepLinkBaseUrl, event.peerMentorId, event.recordId),
    data: {
      eventId: event.eventId,
      recordId: event.recordId,
      organizationId: event.organizationId,
      scopeId: event.scopeId,
      peerMentorId: event.peerMentorId,
      coordinatorId: event.coordinatorId,
      tierName: event.tierName,
      thresholdLevel: event.thresholdLevel,
      thresholdCount: event.thresholdCount,
      assignmentCount: event.assignmentCount,
      honorariumAmount: event.honorariumAmount,
      currency: event.currency,
      periodType: event.periodType,
      periodKey: event.periodKey,
      fiscalYear: event.fiscalYear,
      reachedAt: event.reachedAt,
    },
  };
}

export interface ThresholdPlan {
  jobs: PlannedJob[];
  /**
   * True when the coordinator has no alerting channel (no webhook, no push subscription): the
   * in-app row, written at once, is then the dispatch that sets coordinator_notified.
   */
  coordinatorNotifiedOnIngest: boolean;
}

/**
 * The jobs for one crossing: the coordinator on the organization's webhook, on Web Push and
 * in the in-app feed; the peer mentor too (Web Push and in-app) when the event says notifyMentor.
 */
export function planThresholdNotifications(
  event: ThresholdCrossed,
  channels: RecipientChannels,
  deepLinkBaseUrl: string,
  sourceRecordedAt: Date | null,
): ThresholdPlan {
  const jobs: PlannedJob[] = [];
  const add = (recipientId: string, recipientRole: RecipientRole, channel: Channel) =>
    jobs.push({
      eventId: event.eventId,
      kind: "threshold_crossed",
      recordId: event.recordId,
      organizationId: event.organizationId,
      recipientId,
      recipientRole,
      channel,
      content: thresholdContent(event, recipientRole, deepLinkBaseUrl, channels.presentation(event.organizationId)),
      sourceRecordedAt,
    });
  // A coordinator who takes the scope's daily digest hears of the crossing there, not now.
  const digest = channels.takesDigest(event.coordinatorId, event.scopeId);
  const wants = (userId: string, channel: PreferenceChannel) => channels.wants(userId, channel, "threshold_crossed");
  // The webhook is the organization's integration, not a person's channel: no preference applies.
  if (channels.organizationHasWebhook(event.organizationId)) add(event.coordinatorId, "coordinator", "webhook");
  if (!digest && channels.hasPushSubscription(event.coordinatorId) && wants(event.coordinatorId, "web_push")) {
    add(event.coordinatorId, "coordinator", "web_push");
  }
  const noAlertingChannel = jobs.length === 0;
  const inApp = !digest && wants(event.coordinatorId, "in_app");
  if (inApp) add(event.coordinatorId, "coordinator", "in_app");
  if (event.notifyMentor && event.peerMentorId !== event.coordinatorId) {
    if (channels.hasPushSubscription(event.peerMentorId) && wants(event.peerMentorId, "web_push")) {
      add(event.peerMentorId, "peer_mentor", "web_push");
    }
    if (wants(event.peerMentorId, "in_app")) add(event.peerMentorId, "peer_mentor", "in_app");
  }
  return { jobs, coordinatorNotifiedOnIngest: noAlertingChannel && inApp };
}

// A fixed namespace for reminder job keys. Never change it: it is what makes a second
// scheduler pass for the same reminder collide with the first (unique event_id, recipient, channel).
const REMINDER_NAMESPACE = "b8f1c0de-4a52-4c2e-9e37-0d6a1f5b7c94";

/** The same delivery and reminder number always give the same job key. */
export function reminderEventId(deliveryId: string, reminderNumber: number): string {
  return uuidV5(`assignment.delivery-reminder/${deliveryId}/${reminderNumber}`, REMINDER_NAMESPACE);
}

export interface UnopenedDelivery {
  id: string;
  assignmentId: string;
  peerMentorId: string;
  organizationId: string;
  deliveredAt: Date;
}

/** Spec 004 auto-reminder: the peer mentor on Web Push (when subscribed) and in the in-app feed. */
export function planDeliveryReminder(
  delivery: UnopenedDelivery,
  reminderNumber: number,
  channels: RecipientChannels,
  deepLinkBaseUrl: string,
): PlannedJob[] {
  const presentation = channels.presentation(delivery.organizationId);
  const text = reminderText(presentation.locale, delivery.deliveredAt, presentation.timeZone);
  const content: NotificationContent = {
    type: "assignment.delivery_reminder",
    title: text.title,
    body: text.body,
    deepLink: assignmentLink(deepLinkBaseUrl, delivery.assignmentId),
    data: {
      deliveryId: delivery.id,
      assignmentId: delivery.assignmentId,
      peerMentorId: delivery.peerMentorId,
      organizationId: delivery.organizationId,
      deliveredAt: delivery.deliveredAt.toISOString(),
      reminderNumber,
    },
  };
  const eventId = reminderEventId(delivery.id, reminderNumber);
  const mentor = delivery.peerMentorId;
  const channelsFor: Channel[] = [];
  if (channels.hasPushSubscription(mentor) && channels.wants(mentor, "web_push", "delivery_reminder")) channelsFor.push("web_push");
  if (channels.wants(mentor, "in_app", "delivery_reminder")) channelsFor.push("in_app");
  return channelsFor.map((channel) => ({
    eventId,
    kind: "delivery_reminder",
    recordId: null,
    organizationId: delivery.organizationId,
    recipientId: delivery.peerMentorId,
    recipientRole: "peer_mentor",
    channel,
    content,
    sourceRecordedAt: null,
  }));
}

/** Reminders are due for deliveries delivered, and last reminded, before this instant. */
export function reminderCutoff(now: Date, afterDays: number): Date {
  return new Date(now.getTime() - afterDays * 24 * 60 * 60 * 1000);
}

/** Spec 004: delivered, never opened, delivered before the cutoff and not reminded since it. */
export function reminderIsDue(
  delivery: {
    deliveryStatus: string;
    openedAt: Date | null;
    deliveredAt: Date | null;
    reminderSentAt: Date | null;
    expiresAt: Date | null;
  },
  now: Date,
  afterDays: number,
): boolean {
  const cutoff = reminderCutoff(now, afterDays);
  if (delivery.deliveryStatus !== "delivered" || delivery.openedAt !== null || delivery.deliveredAt === null) return false;
  if (delivery.expiresAt !== null && delivery.expiresAt <= now) return false;
  return delivery.deliveredAt <= cutoff && (delivery.reminderSentAt === null || delivery.reminderSentAt <= cutoff);
}

/**
 * Delivery states that can still expire (spec 004: "expired from any non-confirmed state"); the
 * expiry pass moves those past expires_at.
 */
export const EXPIRABLE_STATUSES = ["pending", "delivered", "opened"] as const;

/** The body a webhook receives: Standard Webhooks' recommended {type, timestamp, data} envelope. */
export function webhookBody(content: NotificationContent, createdAt: Date): string {
  return JSON.stringify({
    type: content.type,
    timestamp: createdAt.toISOString(),
    data: { ...content.data, title: content.title, body: content.body, deepLink: content.deepLink },
  });
}

/** What a push service forwards to the device (service worker renders title/body, opens the link). */
export function pushBody(content: NotificationContent): string {
  return JSON.stringify({ type: content.type, title: content.title, body: content.body, deepLink: content.deepLink, data: content.data });
}

import type { PeriodType, ThresholdTier } from "@honorarium/shared/domain";
import type { ActivityRow, TierRow } from "./domain/bufdir.ts";
import type { Crossing, MonthCount } from "./domain/progress.ts";
import type { PaymentStatus, TargetPaymentStatus } from "./domain/payment-lifecycle.ts";
import type { Visibility } from "./domain/access.ts";

/** Organization facts: time zone and tax-free limit (defaults when unset). */
export interface IOrganizationsRepository {
  timeZone(organizationId: string): Promise<string>;
  taxFreeLimit(organizationId: string, incomeYear: number): Promise<string>;
}

export interface ICountsRepository {
  /** Month counts of one mentor (every scope) for the given months. */
  mentorMonthCounts(organizationId: string, peerMentorId: string, monthKeys: readonly string[]): Promise<MonthCount[]>;
  /** Month counts of every mentor the visibility allows, for the given months. */
  visibleMonthCounts(organizationId: string, visibility: Visibility, monthKeys: readonly string[]): Promise<MonthCount[]>;
  /** Does the mentor have any counted, cancelled or crossed activity in the organization? Per scope. */
  mentorScopes(organizationId: string, peerMentorId: string): Promise<(string | null)[]>;
}

export interface RecordFilter {
  peerMentorId?: string;
  fiscalYear?: number;
  paymentStatus?: PaymentStatus;
  needsReview?: boolean;
}

export interface IRecordsRepository {
  crossings(organizationId: string, visibility: Visibility, filter: RecordFilter): Promise<Crossing[]>;
  /** Crossings of the given mentors in an income year (every scope: tax is per person). */
  crossingsOfMentors(organizationId: string, peerMentorIds: readonly string[], fiscalYear: number): Promise<Crossing[]>;
  findCrossing(organizationId: string, recordId: string): Promise<Crossing | undefined>;
  transitionPayment(input: {
    organizationId: string;
    recordId: string;
    to: TargetPaymentStatus;
    actorId: string;
    note: string | undefined;
    now: Date;
    /** Checks the move against the locked row's status; throws to refuse. */
    plan: (from: PaymentStatus) => { paymentProcessedAt: Date | null };
  }): Promise<Crossing>;
  resolveReview(input: { organizationId: string; recordId: string; actorId: string; resolution: string; now: Date }): Promise<Crossing>;
}

export interface ThresholdConfigRecord {
  id: string;
  organizationId: string;
  name: string;
  thresholdCount: number;
  honorariumAmount: string;
  currency: string;
  periodType: PeriodType;
  tierOrder: number;
  thresholdLevel: string;
  isCumulative: boolean;
  isActive: boolean;
  effectiveFrom: string;
  effectiveUntil: string | null;
  description: string | null;
  notificationEnabled: boolean;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  updatedBy: string | null;
}

export interface NewThresholdConfig {
  name: string;
  thresholdCount: number;
  honorariumAmount: string;
  currency: string;
  periodType: PeriodType;
  tierOrder: number;
  thresholdLevel: "office_honorarium" | "higher_rate" | "custom";
  isCumulative: boolean;
  effectiveFrom: Date;
  effectiveUntil: Date | null;
  description: string | null;
  notificationEnabled: boolean;
}

export interface AuditEntry {
  action: "create" | "update" | "deactivate";
  configId: string;
  before: ThresholdConfigRecord | null;
  after: ThresholdConfigRecord | null;
  overrideReason: string | null;
}

export interface Actor {
  userId: string;
  roles: readonly string[];
}

/** Unit of work over threshold configurations: reads and writes in one transaction with the organization locked. */
export interface IConfigsTransaction {
  list(includeInactive: boolean): Promise<ThresholdConfigRecord[]>;
  find(configId: string): Promise<ThresholdConfigRecord | undefined>;
  isUsed(configId: string): Promise<boolean>;
  insert(config: NewThresholdConfig): Promise<ThresholdConfigRecord>;
  update(configId: string, changes: Partial<NewThresholdConfig> & { isActive?: boolean }): Promise<ThresholdConfigRecord>;
  audit(entry: AuditEntry): Promise<void>;
}

export interface IConfigsRepository {
  list(organizationId: string, includeInactive: boolean): Promise<ThresholdConfigRecord[]>;
  activeTiers(organizationId: string): Promise<ThresholdTier[]>;
  withOrganizationLocked<T>(organizationId: string, actor: Actor, work: (tx: IConfigsTransaction) => Promise<T>): Promise<T>;
  auditLog(organizationId: string, configId: string | undefined, limit: number): Promise<AuditLogEntry[]>;
}

export interface AuditLogEntry {
  id: number;
  configId: string;
  action: string;
  actorId: string;
  actorRoles: string[];
  occurredAt: string;
  before: unknown;
  after: unknown;
  overrideReason: string | null;
}

export interface IBufdirRepository {
  activity(organizationId: string, year: number): Promise<{ rows: ActivityRow[]; cancelledAssignments: number }>;
  tiers(organizationId: string, year: number): Promise<TierRow[]>;
}

export interface InAppNotification {
  id: string;
  kind: string;
  title: string;
  body: string;
  deepLink: string | null;
  data: unknown;
  createdAt: string;
  readAt: string | null;
}

export interface FailedNotificationJob {
  id: string;
  eventId: string;
  kind: string;
  recordId: string | null;
  recipientId: string;
  recipientRole: string;
  channel: string;
  attemptCount: number;
  lastError: string | null;
  failedAt: string | null;
  createdAt: string;
}

export interface INotificationsRepository {
  list(input: {
    organizationId: string;
    recipientId: string;
    unreadOnly: boolean;
    limit: number;
    before: string | undefined;
  }): Promise<{ items: InAppNotification[]; unreadCount: number }>;
  markRead(input: { organizationId: string; recipientId: string; ids: readonly string[] | "all"; now: Date }): Promise<number>;
  failedJobs(organizationId: string, visibility: Visibility, limit: number): Promise<FailedNotificationJob[]>;
}

export interface IPushSubscriptionsRepository {
  upsert(input: { organizationId: string; userId: string; endpoint: string; p256dh: string; auth: string }): Promise<{ id: string }>;
  remove(input: { userId: string; endpoint: string }): Promise<number>;
}

export interface WebhookSettings {
  url: string;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  updatedBy: string | null;
}

export interface IWebhooksRepository {
  get(organizationId: string): Promise<WebhookSettings | undefined>;
  /** Sets the URL; stores `newSecret` when given (first set or rotation), else keeps the stored one. */
  set(input: {
    organizationId: string;
    url: string;
    newSecret: string | undefined;
    actorId: string;
  }): Promise<{ settings: WebhookSettings; created: boolean }>;
  disable(organizationId: string, actorId: string): Promise<WebhookSettings | undefined>;
  hasSecret(organizationId: string): Promise<boolean>;
}

/** An assignment's delivery to a peer mentor (spec 004), as the counter records it. */
export interface DeliveryRecord {
  id: string;
  assignmentId: string;
  peerMentorId: string;
  organizationId: string;
  coordinatorId: string;
  status: "pending" | "delivered" | "opened" | "read_confirmed" | "expired";
  deliveredAt: string | null;
  openedAt: string | null;
  readConfirmedAt: string | null;
  expiresAt: string | null;
  /** `YYYY-H1|H2` in the organization's time zone. */
  accountingPeriod: string;
  /** The mentor's count of deliveries in the period at this delivery; an early indicator, not the honorarium. */
  deliverySequenceNumber: number;
  honorariumTier: "none" | "tier_1" | "tier_2";
  readReceiptRequired: boolean;
  deliveryMethod: "push" | "in_app" | "sms" | "email";
  reminderCount: number;
  reminderSentAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DeliveryFilter {
  peerMentorId: string | undefined;
  /** Not opened yet. */
  unread: boolean;
  /** Overdue for a reminder: status delivered, not opened, delivered before this instant. */
  deliveredBefore: Date | undefined;
}

export interface IDeliveriesRepository {
  /** Newest first. */
  list(
    organizationId: string,
    filter: DeliveryFilter,
    page: { limit: number; offset: number },
  ): Promise<{ items: DeliveryRecord[]; total: number }>;
}

export interface Repositories {
  organizations: IOrganizationsRepository;
  counts: ICountsRepository;
  records: IRecordsRepository;
  configs: IConfigsRepository;
  bufdir: IBufdirRepository;
  notifications: INotificationsRepository;
  pushSubscriptions: IPushSubscriptionsRepository;
  webhooks: IWebhooksRepository;
  deliveries: IDeliveriesRepository;
}

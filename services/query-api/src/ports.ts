import type {
  Locale,
  NotificationPreference,
  OpeningBalanceError,
  OpeningBalanceLine,
  PeriodType,
  ThresholdTier,
} from "@honorarium/shared/domain";
import type { ActivityRow, TierRow } from "./domain/bufdir.ts";
import type { Crossing, CurrentPeriod, MonthCount, OpeningBalanceCount, PeriodCounts } from "./domain/progress.ts";
import type { PaymentStatus, TargetPaymentStatus } from "./domain/payment-lifecycle.ts";
import type { Visibility } from "./domain/access.ts";
import type { PayoutRecord } from "./domain/payout.ts";

/** Organization facts: time zone and tax-free limit (defaults when unset). */
export interface IOrganizationsRepository {
  timeZone(organizationId: string): Promise<string>;
  taxFreeLimit(organizationId: string, incomeYear: number): Promise<string>;
}

/** The organisation's own settings row (defaults when it has none). */
export interface OrganizationSettingsRecord {
  displayName: string | null;
  timeZone: string;
  locale: Locale;
  currency: string;
  /** The limit for an income year without its own row in tax_free_limits. */
  defaultTaxFreeLimit: string;
  updatedAt: string | null;
  updatedBy: string | null;
}

export interface OrganizationSettingsView {
  settings: OrganizationSettingsRecord;
  taxFreeLimits: { incomeYear: number; limitAmount: string }[];
  scopeNames: { scopeId: string; displayName: string; updatedAt: string }[];
  /** Only when asked for (administrators). */
  payeeReferences: { peerMentorId: string; payeeReference: string; updatedAt: string }[] | null;
}

export type OrganizationSettingsAction =
  "update_settings" | "set_tax_free_limit" | "set_scope_name" | "set_payee_reference" | "clear_payee_reference";

export interface OrganizationSettingsAuditEntry {
  id: number;
  action: OrganizationSettingsAction;
  /** The income year, scope id or mentor id the change is about; null for the settings row. */
  subject: string | null;
  actorId: string;
  actorRoles: string[];
  occurredAt: string;
  before: unknown;
  after: unknown;
}

/** Unit of work over one organisation's settings: one transaction, the organisation locked, every change audited in it. */
export interface IOrganizationSettingsTransaction {
  settings(): Promise<OrganizationSettingsRecord>;
  /** Anything counted in a period for the organisation (ledger months, monthly counts, delivery periods). */
  hasCountedActivity(): Promise<boolean>;
  updateSettings(changes: { displayName?: string | null; timeZone?: string; locale?: Locale }): Promise<OrganizationSettingsRecord>;
  taxFreeLimit(incomeYear: number): Promise<string | null>;
  setTaxFreeLimit(incomeYear: number, limitAmount: string): Promise<void>;
  scopeName(scopeId: string): Promise<string | null>;
  setScopeName(scopeId: string, displayName: string): Promise<void>;
  payeeReference(peerMentorId: string): Promise<string | null>;
  /** null clears it. */
  setPayeeReference(peerMentorId: string, payeeReference: string | null): Promise<void>;
  audit(entry: { action: OrganizationSettingsAction; subject: string | null; before: unknown; after: unknown }): Promise<void>;
}

export interface IOrganizationSettingsRepository {
  read(organizationId: string, options: { includePayeeReferences: boolean }): Promise<OrganizationSettingsView>;
  hasCountedActivity(organizationId: string): Promise<boolean>;
  withOrganizationLocked<T>(
    organizationId: string,
    actor: Actor,
    now: Date,
    work: (tx: IOrganizationSettingsTransaction) => Promise<T>,
  ): Promise<T>;
  /** Newest first. */
  auditLog(
    organizationId: string,
    page: { limit: number; offset: number },
  ): Promise<{ entries: OrganizationSettingsAuditEntry[]; total: number }>;
}

export interface ICountsRepository {
  /** Month counts of one mentor (every scope) for the given months. */
  mentorMonthCounts(organizationId: string, peerMentorId: string, monthKeys: readonly string[]): Promise<MonthCount[]>;
  /** Month counts of every mentor the visibility allows, for the given months. */
  visibleMonthCounts(organizationId: string, visibility: Visibility, monthKeys: readonly string[]): Promise<MonthCount[]>;
  /**
   * Per visible (scope, mentor): the count in each period (counted months plus go-live balances,
   * summed in the database), only the rows within `within` assignments of a tier of some period —
   * the dashboard's "approaching" candidates, so the database, not the API, reads the whole month table.
   */
  approachingPeriodCounts(
    organizationId: string,
    visibility: Visibility,
    periods: readonly CurrentPeriod[],
    within: number,
  ): Promise<PeriodCounts[]>;
  /**
   * Go-live opening balances of the given periods that the visibility allows (one mentor's when
   * `peerMentorId` is given): added to the counted months wherever a period's count is shown.
   */
  visibleOpeningBalances(
    organizationId: string,
    visibility: Visibility,
    periods: readonly { periodType: PeriodType; periodKey: string }[],
    peerMentorId?: string,
  ): Promise<OpeningBalanceCount[]>;
  /** Does the mentor have any counted, cancelled or crossed activity in the organization? Per scope. */
  mentorScopes(organizationId: string, peerMentorId: string): Promise<(string | null)[]>;
}

export interface RecordFilter {
  peerMentorId?: string;
  fiscalYear?: number;
  /** These records only (their groups are read too, for the amounts due). */
  recordIds?: readonly string[];
  /** One period's records (whole groups: the period is part of a group's key). */
  period?: { periodType: PeriodType; periodKey: string };
  paymentStatus?: PaymentStatus;
  needsReview?: boolean;
}

export interface IRecordsRepository {
  crossings(organizationId: string, visibility: Visibility, filter: RecordFilter): Promise<Crossing[]>;
  /** Every crossing of the given mentors, every scope and period (tax is per person, by the year of payment). */
  crossingsOfMentors(organizationId: string, peerMentorIds: readonly string[]): Promise<Crossing[]>;
  /**
   * Every crossing (every scope and period) of each mentor who, where the visibility allows, has a
   * crossing owed and unpaid, one paid in the income year, or an open review flag: the dashboard's
   * payments, flags and tax standings in one read (tax is per person, by the year of payment).
   */
  crossingsOfMentorsWithOpenItems(
    organizationId: string,
    visibility: Visibility,
    incomeYear: number,
    timeZone: string,
  ): Promise<Crossing[]>;
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
  /** The active tiers and the retired versions that keep their window: what applied on any past day. */
  tiersForEvaluation(organizationId: string): Promise<ThresholdTier[]>;
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
  /** null: the endpoint is subscribed by another user (it is left alone). */
  upsert(input: { organizationId: string; userId: string; endpoint: string; p256dh: string; auth: string }): Promise<{ id: string } | null>;
  remove(input: { userId: string; endpoint: string }): Promise<number>;
}

export interface WebhookSettings {
  url: string;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  updatedBy: string | null;
  /** Why and when the notifier switched it off (null: on, or switched off by an admin). */
  disabledReason: string | null;
  disabledAt: string | null;
  consecutiveFailures: number;
  failingSince: string | null;
  /** Until when the previous secret signs (or signed) beside the current one (null: never rotated with overlap). */
  previousSecretValidUntil: string | null;
}

export interface IPreferencesRepository {
  /** The choices the user made (no row: on). */
  list(organizationId: string, userId: string): Promise<NotificationPreference[]>;
  /** Upserts the named choices; returns every stored choice of the user. */
  set(organizationId: string, userId: string, preferences: readonly NotificationPreference[]): Promise<NotificationPreference[]>;
  /** The scopes for which the user takes a daily digest instead of a message per crossing. */
  digestScopes(organizationId: string, userId: string): Promise<string[]>;
  /** Turns the scope's digest on or off for the user; returns every digest scope of the user. */
  setDigest(organizationId: string, userId: string, scopeId: string, enabled: boolean): Promise<string[]>;
}

export type WebhookDeliveryStatus = "pending" | "delivered" | "failed" | "skipped";

export interface WebhookAttempt {
  id: string;
  deliveryId: string;
  eventId: string;
  attemptNumber: number;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  outcome: "delivered" | "retryable_error" | "permanent_error";
  httpStatus: number | null;
  /** Secret-free: a status, an error code or the SSRF guard's reason. */
  error: string | null;
  retryInMs: number | null;
}

export interface IWebhooksRepository {
  /** Sets the organization's webhook deliveries created in [since, until) pending again; returns how many. */
  replay(input: { organizationId: string; since: Date; until: Date; status: WebhookDeliveryStatus | undefined }): Promise<number>;
  /** Newest first; `beforeId` pages on. */
  attempts(input: {
    organizationId: string;
    deliveryId: string | undefined;
    beforeId: string | undefined;
    limit: number;
  }): Promise<{ items: WebhookAttempt[]; nextCursor: string | null }>;
  get(organizationId: string): Promise<WebhookSettings | undefined>;
  /** Sets the URL; stores `newSecret` when given (first set or rotation), else keeps the stored one. */
  set(input: {
    organizationId: string;
    url: string;
    newSecret: string | undefined;
    actorId: string;
  }): Promise<{ settings: WebhookSettings; created: boolean }>;
  disable(organizationId: string, actorId: string): Promise<WebhookSettings | undefined>;
  /** Switches it on again and forgets the failing streak (after an automatic disable too). */
  enable(organizationId: string, actorId: string): Promise<WebhookSettings | undefined>;
  /** New secret; the current one keeps signing until `previousValidUntil`. undefined: no webhook. */
  rotateSecret(input: {
    organizationId: string;
    newSecret: string;
    previousValidUntil: Date;
    actorId: string;
  }): Promise<WebhookSettings | undefined>;
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
  /**
   * A coordinator's reach: deliveries they dispatched, and those of mentors who have counted an
   * assignment in one of their scopes (or organisation-wide). Undefined: the whole organisation.
   */
  coordinator?: { userId: string; scopeIds: readonly string[] } | undefined;
}

export interface IDeliveriesRepository {
  /** Newest first. */
  list(
    organizationId: string,
    filter: DeliveryFilter,
    page: { limit: number; offset: number },
  ): Promise<{ items: DeliveryRecord[]; total: number }>;
}

export interface PayoutBatch {
  id: string;
  organizationId: string;
  /** processing (in payment) → paid, or released to be redone (its records stay processing, batchable again). */
  status: "processing" | "paid" | "released";
  scopeIds: string[] | null;
  periodType: string | null;
  periodKey: string | null;
  currency: string;
  totalAmount: string;
  recordCount: number;
  mentorCount: number;
  createdBy: string;
  createdAt: string;
  paidAt: string | null;
  /** The day the money went out (YYYY-MM-DD): tax follows its year. */
  paidOn: string | null;
  paymentReference: string | null;
  paidBy: string | null;
  releasedAt: string | null;
  releasedBy: string | null;
  releaseReason: string | null;
}

export interface PaymentHistoryEntry {
  id: number;
  recordId: string;
  from: string;
  to: string;
  actorId: string;
  note: string | null;
  batchId: string | null;
  paymentReference: string | null;
  occurredAt: string;
}

export interface IPayoutsRepository {
  /** The organisation's payee references of these mentors (an opaque payroll id, never a name). */
  payeeReferences(organizationId: string, peerMentorIds: readonly string[]): Promise<Map<string, string>>;
  /** Of these records, those in an open (not released) batch. */
  openBatchRecordIds(organizationId: string, recordIds: readonly string[]): Promise<Set<string>>;
  /** Per mentor: paid in the income year (by the local date of payment) plus what open batches hold. */
  paidOrInPaymentInYear(
    organizationId: string,
    peerMentorIds: readonly string[],
    incomeYear: number,
    timeZone: string,
  ): Promise<Map<string, string>>;
  /** One transaction: the records still batchable are locked (others skipped), moved to processing, batched and logged. */
  create(input: {
    organizationId: string;
    actorId: string;
    records: readonly PayoutRecord[];
    selection: { scopeIds?: string[] | undefined; periodType?: string | undefined; periodKey?: string | undefined };
    now: Date;
  }): Promise<{ batch: PayoutBatch | undefined; records: PayoutRecord[]; skipped: string[] }>;
  markPaid(input: {
    organizationId: string;
    batchId: string;
    actorId: string;
    paymentReference: string;
    paidOn: string;
    now: Date;
  }): Promise<PayoutBatch>;
  release(input: { organizationId: string; batchId: string; actorId: string; reason: string; now: Date }): Promise<PayoutBatch>;
  find(organizationId: string, batchId: string): Promise<{ batch: PayoutBatch; records: PayoutRecord[] } | undefined>;
  list(organizationId: string, page: { limit: number; offset: number }): Promise<{ items: PayoutBatch[]; total: number }>;
  /** payment_status_history: who moved what, when, from, to, with which note, batch and reference; newest first. */
  history(
    organizationId: string,
    filter: { recordId?: string | undefined; batchId?: string | undefined },
    page: { limit: number; offset: number },
  ): Promise<{ items: PaymentHistoryEntry[]; total: number }>;
}

/** A go-live opening balance as stored (opening_balances). */
export interface OpeningBalanceRecord {
  scopeId: string | null;
  peerMentorId: string;
  periodType: PeriodType;
  periodKey: string;
  assignmentCount: number;
  tiersPaid: number[];
  importedAt: string;
  importedBy: string;
}

/** What an import found: every invalid line, and per valid line the tiers its balance reaches. */
export interface OpeningBalanceImportReport {
  errors: OpeningBalanceError[];
  lines: {
    line: number;
    peerMentorId: string;
    scopeId: string | null;
    periodType: PeriodType;
    periodKey: string;
    assignmentCount: number;
    /** Tiers the balance reaches: paid outside the system, or still owed (a pending record). */
    tiers: { thresholdCount: number; tierName: string; paid: boolean }[];
    /** A balance for the same mentor, scope and period existed and is replaced. */
    replaces: boolean;
  }[];
}

export interface IOpeningBalancesRepository {
  /**
   * Checks every line against the organisation's tiers and counts under the mentors' counting locks;
   * with `apply` and no errors, writes them all in the same transaction (upsert per mentor × scope ×
   * period, the tiers' records, one audit entry). Otherwise writes nothing.
   */
  importLines(
    organizationId: string,
    actor: Actor,
    now: Date,
    lines: readonly OpeningBalanceLine[],
    apply: boolean,
  ): Promise<OpeningBalanceImportReport>;
  list(organizationId: string, visibility: Visibility): Promise<OpeningBalanceRecord[]>;
}

export interface Repositories {
  organizations: IOrganizationsRepository;
  organizationSettings: IOrganizationSettingsRepository;
  counts: ICountsRepository;
  records: IRecordsRepository;
  configs: IConfigsRepository;
  bufdir: IBufdirRepository;
  notifications: INotificationsRepository;
  pushSubscriptions: IPushSubscriptionsRepository;
  webhooks: IWebhooksRepository;
  preferences: IPreferencesRepository;
  deliveries: IDeliveriesRepository;
  payouts: IPayoutsRepository;
  openingBalances: IOpeningBalancesRepository;
}

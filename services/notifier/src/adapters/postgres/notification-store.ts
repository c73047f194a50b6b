import type { Knex } from "@honorarium/shared/db";
import { DEFAULT_PRESENTATION, type OrganizationPresentation } from "../../domain/notifications.ts";
import type {
  Channel,
  NotificationContent,
  NotificationKind,
  PlannedJob,
  RecipientChannels,
  RecipientRole,
} from "../../domain/notifications.ts";
import type { AttemptOutcome, NextJobState } from "../../domain/retry-policy.ts";
import { type Locale, localeOrDefault } from "@honorarium/shared/domain";
import { webhookDisabledText } from "../../domain/messages.ts";
import { autoDisableVerdict, type WebhookHealthPolicy } from "../../domain/webhook-health.ts";

type Db = Knex | Knex.Transaction;

/** A job as a dispatcher worker holds it after claiming (attemptNumber is this attempt's). */
export interface ClaimedJob extends PlannedJob {
  id: string;
  attemptNumber: number;
  /** attempt_count when the job was last replayed (0: never): retries count from here. */
  attemptBase: number;
  createdAt: Date;
}

export interface InsertedJob {
  id: string;
  channel: Channel;
  kind: NotificationKind;
  sourceRecordedAt: Date | null;
  deliveredAt: Date | null;
}

interface JobRow {
  id: string;
  event_id: string;
  kind: NotificationKind;
  record_id: string | null;
  organization_id: string;
  recipient_id: string;
  recipient_role: RecipientRole;
  channel: Channel;
  payload: NotificationContent;
  attempt_count: number;
  attempt_base: number;
  source_recorded_at: Date | null;
  created_at: Date;
  delivered_at: Date | null;
}

const INSERT_CHUNK = 1000;

/** Which organizations have an enabled webhook and which users have a push subscription. */
export async function loadRecipientChannels(
  db: Db,
  organizationIds: readonly string[],
  userIds: readonly string[],
  webPushEnabled: boolean,
): Promise<RecipientChannels> {
  const organizations = [...new Set(organizationIds)];
  const users = [...new Set(userIds)];
  const [webhookRows, pushRows] = await Promise.all([
    organizations.length === 0
      ? []
      : db("organization_webhooks").select("organization_id").whereIn("organization_id", organizations).andWhere("enabled", true),
    !webPushEnabled || users.length === 0 ? [] : db("push_subscriptions").distinct("user_id").whereIn("user_id", users),
  ]);
  const withWebhook = new Set((webhookRows as { organization_id: string }[]).map((row) => row.organization_id));
  const withPush = new Set((pushRows as { user_id: string }[]).map((row) => row.user_id));
  // One after the other: `db` is often the ingest's transaction, a single connection.
  const presentations = await loadPresentations(db, organizations);
  const optedOut = await loadOptOuts(db, users);
  const digests = await loadDigestChoices(db, users);
  return {
    organizationHasWebhook: (organizationId) => withWebhook.has(organizationId),
    hasPushSubscription: (userId) => withPush.has(userId),
    wants: (userId, channel, category) => !optedOut.has(`${userId}/${channel}/${category}`),
    takesDigest: (userId, scopeId) => scopeId !== null && digests.has(`${userId}/${scopeId}`),
    presentation: (organizationId) => presentations.get(organizationId) ?? DEFAULT_PRESENTATION,
  };
}

/** The channel/category pairs these users turned off, as "user/channel/category". */
async function loadOptOuts(db: Db, userIds: readonly string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows: { user_id: string; channel: string; category: string }[] = await db("notification_preferences")
    .select("user_id", "channel", "category")
    .whereIn("user_id", userIds)
    .andWhere("enabled", false);
  return new Set(rows.map((row) => `${row.user_id}/${row.channel}/${row.category}`));
}

/** The (user, scope) pairs that take a daily digest, as "user/scope". */
async function loadDigestChoices(db: Db, userIds: readonly string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows: { user_id: string; scope_id: string }[] = await db("notification_digests")
    .select("user_id", "scope_id")
    .whereIn("user_id", userIds);
  return new Set(rows.map((row) => `${row.user_id}/${row.scope_id}`));
}

/** Locale, time zone and scope names of these organizations (settings rows and scope_names). */
async function loadPresentations(db: Db, organizationIds: readonly string[]): Promise<Map<string, OrganizationPresentation>> {
  if (organizationIds.length === 0) return new Map();
  const settings: { organization_id: string; locale: string; time_zone: string }[] = await db("organization_settings")
    .select("organization_id", "locale", "time_zone")
    .whereIn("organization_id", organizationIds);
  const scopes: { organization_id: string; scope_id: string; display_name: string }[] = await db("scope_names")
    .select("organization_id", "scope_id", "display_name")
    .whereIn("organization_id", organizationIds);
  const names = new Map<string, Map<string, string>>();
  for (const row of scopes) {
    const byScope = names.get(row.organization_id) ?? new Map<string, string>();
    byScope.set(row.scope_id, row.display_name);
    names.set(row.organization_id, byScope);
  }
  const result = new Map<string, OrganizationPresentation>();
  for (const organizationId of organizationIds) {
    const row = settings.find((entry) => entry.organization_id === organizationId);
    const byScope = names.get(organizationId);
    result.set(organizationId, {
      locale: localeOrDefault(row?.locale),
      timeZone: row?.time_zone ?? DEFAULT_PRESENTATION.timeZone,
      scopeName: (scopeId) => (scopeId === null ? null : (byScope?.get(scopeId) ?? null)),
    });
  }
  return result;
}

/** recorded_at of the crossing records that exist (the start of end-to-end latency). */
export async function loadRecordedAt(db: Db, recordIds: readonly string[]): Promise<Map<string, Date>> {
  if (recordIds.length === 0) return new Map();
  const rows: { id: string; recorded_at: Date }[] = await db("honorarium_records")
    .select("id", "recorded_at")
    .whereIn("id", [...new Set(recordIds)]);
  return new Map(rows.map((row) => [row.id, row.recorded_at]));
}

/**
 * Inserts the planned jobs; a job that exists (same event, recipient, channel) is left alone,
 * so a re-published event creates nothing. In-app jobs are delivered right here: the feed row,
 * the attempt and the job's delivered status are written in the caller's transaction.
 * Returns only the jobs this call created.
 */
export async function insertJobs(trx: Knex.Transaction, planned: readonly PlannedJob[]): Promise<InsertedJob[]> {
  const inserted: InsertedJob[] = [];
  for (let start = 0; start < planned.length; start += INSERT_CHUNK) {
    const chunk = planned.slice(start, start + INSERT_CHUNK);
    const rows: JobRow[] = await trx("notification_jobs")
      .insert(
        chunk.map((job) => {
          const inApp = job.channel === "in_app";
          return {
            event_id: job.eventId,
            kind: job.kind,
            record_id: job.recordId,
            organization_id: job.organizationId,
            recipient_id: job.recipientId,
            recipient_role: job.recipientRole,
            channel: job.channel,
            payload: JSON.stringify(job.content),
            source_recorded_at: job.sourceRecordedAt,
            status: inApp ? "delivered" : "pending",
            attempt_count: inApp ? 1 : 0,
            delivered_at: inApp ? trx.fn.now() : null,
          };
        }),
      )
      .onConflict(["event_id", "recipient_id", "channel"])
      .ignore()
      .returning(["id", "channel", "kind", "organization_id", "recipient_id", "payload", "source_recorded_at", "delivered_at"]);
    const feed = rows.filter((row) => row.channel === "in_app");
    if (feed.length > 0) {
      await trx("in_app_notifications").insert(
        feed.map((row) => ({
          organization_id: row.organization_id,
          recipient_id: row.recipient_id,
          job_id: row.id,
          kind: row.kind,
          title: row.payload.title,
          body: row.payload.body,
          deep_link: row.payload.deepLink,
          data: JSON.stringify(row.payload.data),
        })),
      );
      await trx("notification_attempts").insert(
        feed.map((row) => ({
          job_id: row.id,
          attempt_number: 1,
          started_at: trx.fn.now(),
          finished_at: trx.fn.now(),
          outcome: "delivered",
        })),
      );
    }
    for (const row of rows) {
      inserted.push({
        id: row.id,
        channel: row.channel,
        kind: row.kind,
        sourceRecordedAt: row.source_recorded_at,
        deliveredAt: row.delivered_at,
      });
    }
  }
  return inserted;
}

/** Spec 003 write-back: the first successful coordinator dispatch sets both fields, once. */
export async function markCoordinatorNotified(db: Db, recordIds: readonly string[]): Promise<number> {
  if (recordIds.length === 0) return 0;
  return db("honorarium_records")
    .whereIn("id", [...new Set(recordIds)])
    .andWhere("coordinator_notified", false)
    .update({ coordinator_notified: true, coordinator_notified_at: db.fn.now() });
}

/** Which webhook endpoints (keyed by organization) may take how many more jobs in this claim. */
export interface ClaimAllowance {
  /** Organizations whose webhook may take no job now. */
  blockedWebhookOrganizations: readonly string[];
  /** Per organization: how many webhook jobs it may take now (others: defaultPerWebhook). */
  webhookRemaining: Readonly<Record<string, number>>;
  defaultPerWebhook: number;
}

/**
 * Claims up to `limit` due jobs. SKIP LOCKED lets many workers and instances claim side by
 * side without waiting on each other; the claim itself pushes next_attempt_at out by the
 * lease, so the job stays invisible while it is sent. If the process dies mid-send the lease
 * runs out and another worker sends it again. attempt_count is the claim's fencing token:
 * a late result of an expired claim no longer matches and changes nothing.
 *
 * Webhook jobs are claimed within the allowance of their endpoint: an organization whose
 * endpoint is saturated (a hanging receiver) or throttled is not even looked at, and one that
 * may take n more gets at most n, so its backlog never fills a claim meant for everyone.
 * Candidates locked but not within the allowance are released when the statement ends.
 */
export async function claimDueJobs(
  db: Knex,
  limit: number,
  leaseMs: number,
  allowance: ClaimAllowance = { blockedWebhookOrganizations: [], webhookRemaining: {}, defaultPerWebhook: limit },
): Promise<ClaimedJob[]> {
  const result: { rows: JobRow[] } = await db.raw(
    `with candidates as (
       select id, organization_id, channel, next_attempt_at from notification_jobs
       where status = 'pending' and next_attempt_at <= now()
         and not (channel = 'webhook' and organization_id = any(?::uuid[]))
       order by next_attempt_at
       limit ?
       for update skip locked
     ),
     ranked as (
       select id, organization_id, channel,
              row_number() over (partition by channel, organization_id order by next_attempt_at) as rank
         from candidates
     ),
     due as (
       select id from ranked
        where channel <> 'webhook' or rank <= coalesce((?::jsonb ->> organization_id::text)::int, ?)
     )
     update notification_jobs j
        set attempt_count = j.attempt_count + 1,
            next_attempt_at = now() + ? * interval '1 millisecond'
       from due
      where j.id = due.id
     returning j.id, j.event_id, j.kind, j.record_id, j.organization_id, j.recipient_id, j.recipient_role,
               j.channel, j.payload, j.attempt_count, j.attempt_base, j.source_recorded_at, j.created_at`,
    [[...allowance.blockedWebhookOrganizations], limit, JSON.stringify(allowance.webhookRemaining), allowance.defaultPerWebhook, leaseMs],
  );
  return result.rows.map((row) => ({
    id: row.id,
    eventId: row.event_id,
    kind: row.kind,
    recordId: row.record_id,
    organizationId: row.organization_id,
    recipientId: row.recipient_id,
    recipientRole: row.recipient_role,
    channel: row.channel,
    content: row.payload,
    attemptNumber: row.attempt_count,
    attemptBase: row.attempt_base,
    sourceRecordedAt: row.source_recorded_at,
    createdAt: row.created_at,
  }));
}

export interface WebhookTarget {
  url: string;
  /** The current secret first, then the previous one while its overlap window lasts. */
  secrets: string[];
}

/** The enabled webhooks of these organizations, read at send time (admins may change them). */
export async function loadWebhookTargets(db: Db, organizationIds: readonly string[]): Promise<Map<string, WebhookTarget>> {
  if (organizationIds.length === 0) return new Map();
  const rows: { organization_id: string; url: string; secret: string; previous_secret: string | null }[] = await db("organization_webhooks")
    .select(
      "organization_id",
      "url",
      "secret",
      db.raw("case when previous_secret_expires_at > now() then previous_secret end as previous_secret"),
    )
    .whereIn("organization_id", [...new Set(organizationIds)])
    .andWhere("enabled", true);
  return new Map(
    rows.map((row) => [
      row.organization_id,
      { url: row.url, secrets: row.previous_secret === null ? [row.secret] : [row.secret, row.previous_secret] },
    ]),
  );
}

export interface StoredPushSubscription {
  id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}

export async function loadPushSubscriptions(db: Db, userIds: readonly string[]): Promise<Map<string, StoredPushSubscription[]>> {
  const byUser = new Map<string, StoredPushSubscription[]>();
  if (userIds.length === 0) return byUser;
  const rows: (StoredPushSubscription & { user_id: string })[] = await db("push_subscriptions")
    .select("id", "user_id", "endpoint", "p256dh", "auth")
    .whereIn("user_id", [...new Set(userIds)]);
  for (const row of rows) {
    const list = byUser.get(row.user_id) ?? [];
    list.push({ id: row.id, endpoint: row.endpoint, p256dh: row.p256dh, auth: row.auth });
    byUser.set(row.user_id, list);
  }
  return byUser;
}

/** The end of one attempt, ready to be written. */
export interface AttemptResult {
  job: ClaimedJob;
  outcome: AttemptOutcome;
  next: NextJobState;
  startedAt: Date;
  finishedAt: Date;
  httpStatus: number | null;
  /** Never contains secrets or payloads: a status, an error code or the guard's reason. */
  error: string | null;
  /** Push subscriptions the push service reported gone (404/410). */
  goneSubscriptionIds: string[];
  /** Push subscriptions that accepted the message. */
  acceptedSubscriptionIds: string[];
}

export interface AppliedResult {
  id: string;
  status: "pending" | "delivered" | "failed" | "skipped";
  channel: Channel;
  kind: NotificationKind;
  sourceRecordedAt: Date | null;
  deliveredAt: Date | null;
  /** A replayed job: its latency from the source is not the pipeline's. */
  replayed: boolean;
}

/**
 * Writes a batch of attempts in one transaction: every attempt row (also those of a claim that
 * expired meanwhile), the job states that still belong to these claims, removed subscriptions,
 * and the coordinator write-back of crossings whose alert got through.
 */
export async function recordAttempts(
  db: Knex,
  results: readonly AttemptResult[],
  health?: WebhookHealthPolicy,
): Promise<{ applied: AppliedResult[]; disabledWebhooks: DisabledWebhook[] }> {
  if (results.length === 0) return { applied: [], disabledWebhooks: [] };
  return db.transaction(async (trx) => {
    const attempts = results.filter((result) => result.outcome !== "skipped");
    if (attempts.length > 0) {
      await trx("notification_attempts").insert(
        attempts.map((result) => ({
          job_id: result.job.id,
          attempt_number: result.job.attemptNumber,
          started_at: result.startedAt,
          finished_at: result.finishedAt,
          outcome: result.outcome,
          http_status: result.httpStatus,
          error: result.error,
          retry_in_ms: result.next.status === "pending" ? result.next.retryInMs : null,
        })),
      );
    }
    const states = results.map((result) => ({
      id: result.job.id,
      attempt: result.job.attemptNumber,
      status: result.next.status,
      retry_ms: result.next.status === "pending" ? result.next.retryInMs : 0,
      error: result.next.status === "delivered" ? null : result.error,
      finished_at: result.finishedAt.toISOString(),
    }));
    const applied: { rows: (Omit<JobRow, "payload"> & { status: AppliedResult["status"] })[] } = await trx.raw(
      `update notification_jobs j
          set status = r.status,
              next_attempt_at = case when r.status = 'pending' then now() + r.retry_ms * interval '1 millisecond' else j.next_attempt_at end,
              last_error = r.error,
              delivered_at = case when r.status = 'delivered' then r.finished_at else j.delivered_at end,
              failed_at = case when r.status = 'failed' then r.finished_at else j.failed_at end
         from jsonb_to_recordset(?::jsonb) as r(id uuid, attempt integer, status text, retry_ms bigint, error text, finished_at timestamptz)
        where j.id = r.id and j.attempt_count = r.attempt and j.status = 'pending'
       returning j.id, j.status, j.channel, j.kind, j.recipient_role, j.record_id, j.source_recorded_at, j.delivered_at, j.attempt_base`,
      [JSON.stringify(states)],
    );
    const gone = results.flatMap((result) => result.goneSubscriptionIds);
    if (gone.length > 0) await trx("push_subscriptions").whereIn("id", gone).delete();
    const accepted = results.flatMap((result) => result.acceptedSubscriptionIds);
    if (accepted.length > 0) await trx("push_subscriptions").whereIn("id", accepted).update({ last_success_at: trx.fn.now() });
    const notifiedRecords = applied.rows
      .filter(
        (row) =>
          row.status === "delivered" && row.kind === "threshold_crossed" && row.recipient_role === "coordinator" && row.record_id !== null,
      )
      .map((row) => row.record_id as string);
    await markCoordinatorNotified(trx, notifiedRecords);
    const disabledWebhooks = health === undefined ? [] : await recordWebhookHealth(trx, results, health);
    return {
      applied: applied.rows.map((row) => ({
        id: row.id,
        status: row.status,
        channel: row.channel,
        kind: row.kind,
        sourceRecordedAt: row.source_recorded_at,
        deliveredAt: row.delivered_at,
        replayed: row.attempt_base > 0,
      })),
      disabledWebhooks,
    };
  });
}

/** The organization's locale for human text (organization_settings.locale; nb without a row). */
export async function organizationLocale(db: Db, organizationId: string): Promise<Locale> {
  const row: { locale: string } | undefined = await db("organization_settings")
    .select("locale")
    .where({ organization_id: organizationId })
    .first();
  return localeOrDefault(row?.locale);
}

export interface DisabledWebhook {
  organizationId: string;
  reason: string;
  alertedAdminId: string | null;
}

/** The in-app alert an admin gets when the notifier switches the organization's webhook off. */
export const WEBHOOK_DISABLED_KIND = "webhook_disabled";

/**
 * Keeps each endpoint's failing streak and switches off one that failed long enough. A delivered
 * attempt ends the streak; a permanent failure (4xx, refused target, retries exhausted) adds to
 * the count; any failure starts the clock. The admin who last set the webhook (only org admins
 * can) gets an in-app alert; webhooks.enable switches it on again.
 */
async function recordWebhookHealth(
  trx: Knex.Transaction,
  results: readonly AttemptResult[],
  policy: WebhookHealthPolicy,
): Promise<DisabledWebhook[]> {
  const byOrganization = new Map<string, { delivered: boolean; permanent: number; firstFailure: Date | null }>();
  for (const result of results) {
    if (result.job.channel !== "webhook" || result.outcome === "skipped") continue;
    const entry = byOrganization.get(result.job.organizationId) ?? { delivered: false, permanent: 0, firstFailure: null };
    if (result.outcome === "delivered") entry.delivered = true;
    else {
      if (result.outcome === "permanent_error" || result.next.status === "failed") entry.permanent += 1;
      if (entry.firstFailure === null || result.startedAt < entry.firstFailure) entry.firstFailure = result.startedAt;
    }
    byOrganization.set(result.job.organizationId, entry);
  }
  const disabled: DisabledWebhook[] = [];
  // In id order: concurrent writers lock the same rows in the same order and never deadlock.
  for (const [organizationId, entry] of [...byOrganization].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (entry.delivered) {
      await trx("organization_webhooks")
        .where({ organization_id: organizationId })
        .andWhere((query) => query.where("consecutive_failures", ">", 0).orWhereNotNull("failing_since"))
        .update({ consecutive_failures: 0, failing_since: null });
      continue;
    }
    const [row]: { consecutive_failures: number; failing_since: Date | null; updated_by: string | null }[] = await trx(
      "organization_webhooks",
    )
      .where({ organization_id: organizationId, enabled: true })
      .update({
        consecutive_failures: trx.raw("consecutive_failures + ?", [entry.permanent]),
        failing_since: trx.raw("coalesce(failing_since, ?)", [entry.firstFailure]),
      })
      .returning(["consecutive_failures", "failing_since", "updated_by"]);
    if (row === undefined) continue;
    const verdict = autoDisableVerdict(
      { consecutiveFailures: row.consecutive_failures, failingSince: row.failing_since },
      new Date(),
      policy,
    );
    if (!verdict.disable) continue;
    await trx("organization_webhooks")
      .where({ organization_id: organizationId, enabled: true })
      .update({ enabled: false, disabled_reason: `disabled automatically: ${verdict.reason}`, disabled_at: trx.fn.now() });
    const optedOut =
      row.updated_by !== null &&
      (await trx("notification_preferences")
        .where({ user_id: row.updated_by, channel: "in_app", category: "delivery_failures", enabled: false })
        .first()) !== undefined;
    if (row.updated_by !== null && !optedOut) {
      const locale = await organizationLocale(trx, organizationId);
      const text = webhookDisabledText(locale, verdict.reason);
      await trx("in_app_notifications").insert({
        organization_id: organizationId,
        recipient_id: row.updated_by,
        kind: WEBHOOK_DISABLED_KIND,
        title: text.title,
        body: text.body,
        deep_link: null,
        data: JSON.stringify({ organizationId, reason: verdict.reason }),
      });
    }
    disabled.push({ organizationId, reason: verdict.reason, alertedAdminId: row.updated_by });
  }
  return disabled;
}

/** Pending jobs, and the part of them waiting for a retry (for the queue-depth gauges). */
export async function queueDepth(db: Knex): Promise<{ pending: number; retrying: number }> {
  const row: { pending: number; retrying: number } = await db("notification_jobs")
    .where("status", "pending")
    .select(db.raw("count(*)::int as pending"), db.raw("(count(*) filter (where attempt_count > 0))::int as retrying"))
    .first();
  return { pending: row.pending, retrying: row.retrying };
}

import type { Knex } from "@honorarium/shared/db";
import type { Logger } from "@honorarium/shared";
import { createWorkerLoop } from "@honorarium/shared/infra";
import type { LeaderLock } from "../adapters/redis/leader-lock.ts";
import { countReminder, expireDeliveries, lockDueDeliveries } from "../adapters/postgres/reminder-store.ts";
import { crossingsRecordedIn, loadDigestChoices } from "../adapters/postgres/digest-store.ts";
import { insertJobs, loadRecipientChannels, markCoordinatorNotified } from "../adapters/postgres/notification-store.ts";
import { digestDayAt, planDigest } from "../domain/digest.ts";
import { EXPIRABLE_STATUSES, type PlannedJob, planDeliveryReminder, reminderCutoff, reminderIsDue } from "../domain/notifications.ts";
import type { NotifierMetrics } from "../metrics.ts";

export interface ReminderOptions {
  db: Knex;
  afterDays: number;
  /** The organisation's local hour from which the daily digest goes out. */
  digestHour: number;
  webPushEnabled: boolean;
  deepLinkBaseUrl: string;
  metrics: NotifierMetrics;
  logger: Logger;
  batchLimit?: number;
}

const DEFAULT_BATCH_LIMIT = 500;

/**
 * One reminder pass (spec 004): for every delivery never opened 10 days after delivery (and
 * not reminded in the last 10 days) count a reminder and create the peer mentor's jobs, in one
 * transaction. Safe to run concurrently: rows are locked SKIP LOCKED, the count only moves if
 * nobody moved it since we read it, and the job key (delivery, reminder number) is unique.
 */
export async function runReminderPass(options: ReminderOptions, now: Date = new Date()): Promise<number> {
  const limit = options.batchLimit ?? DEFAULT_BATCH_LIMIT;
  let total = 0;
  for (;;) {
    const created = await options.db.transaction(async (trx) => {
      const due = (await lockDueDeliveries(trx, reminderCutoff(now, options.afterDays), limit, now)).filter((row) =>
        reminderIsDue(row, now, options.afterDays),
      );
      if (due.length === 0) return { rows: 0, reminders: 0 };
      const channels = await loadRecipientChannels(
        trx,
        // The organizations' locales and time zones for the reminder text.
        due.map((row) => row.organizationId),
        due.map((row) => row.peerMentorId),
        options.webPushEnabled,
      );
      const jobs: PlannedJob[] = [];
      for (const row of due) {
        const reminderNumber = await countReminder(trx, row, now);
        if (reminderNumber === undefined) continue;
        if (row.deliveredAt === null) continue;
        jobs.push(...planDeliveryReminder({ ...row, deliveredAt: row.deliveredAt }, reminderNumber, channels, options.deepLinkBaseUrl));
      }
      await insertJobs(trx, jobs);
      return { rows: due.length, reminders: new Set(jobs.map((job) => job.eventId)).size };
    });
    total += created.reminders;
    if (created.rows < limit) break;
  }
  if (total > 0) {
    options.metrics.remindersCreated.inc(total);
    options.logger.info({ reminders: total }, "delivery reminders created");
  }
  return total;
}

/**
 * One expiry pass (spec 004): every delivery past expires_at and not read-confirmed becomes
 * `expired`, once (database-guarded), and its pending reminders are skipped. Runs before the
 * reminder pass of the same tick, so an expired delivery gets no new reminder either.
 */
export async function runExpiryPass(options: ReminderOptions, now: Date = new Date()): Promise<number> {
  const limit = options.batchLimit ?? DEFAULT_BATCH_LIMIT;
  let total = 0;
  for (;;) {
    const expired = await options.db.transaction((trx) => expireDeliveries(trx, now, EXPIRABLE_STATUSES, limit));
    total += expired.length;
    if (expired.length < limit) break;
  }
  if (total > 0) options.logger.info({ expired: total }, "deliveries expired");
  return total;
}

/**
 * One digest pass (issue 15): for every coordinator and scope that takes a daily digest, once the
 * organisation's morning has come, one summary of the previous local day's crossings there. The job
 * key is derived from (organisation, user, scope, day), so a second pass, on this instance or
 * another, inserts nothing: once per day per user and scope, guarded by the database. The records
 * summarised count as notified to the coordinator (spec 003 write-back).
 */
/** Returns the number of digest jobs created. */
export async function runDigestPass(options: ReminderOptions, now: Date = new Date()): Promise<number> {
  const choices = await loadDigestChoices(options.db);
  const byOrganization = new Map<string, typeof choices>();
  for (const choice of choices) {
    const list = byOrganization.get(choice.organizationId);
    if (list === undefined) byOrganization.set(choice.organizationId, [choice]);
    else list.push(choice);
  }
  let sent = 0;
  for (const [organizationId, ofOrganization] of byOrganization) {
    sent += await options.db.transaction(async (trx) => {
      const channels = await loadRecipientChannels(
        trx,
        [organizationId],
        ofOrganization.map((choice) => choice.userId),
        options.webPushEnabled,
      );
      const day = digestDayAt(now, channels.presentation(organizationId).timeZone, options.digestHour);
      if (day === null) return 0;
      const crossings = await crossingsRecordedIn(
        trx,
        organizationId,
        [...new Set(ofOrganization.map((choice) => choice.scopeId))],
        day.from,
        day.until,
      );
      const jobs: PlannedJob[] = [];
      const reached = new Set<string>();
      for (const choice of ofOrganization) {
        const planned = planDigest({ ...choice, day, crossings: crossings.get(choice.scopeId) ?? [] }, channels, options.deepLinkBaseUrl);
        if (planned.length > 0) reached.add(choice.scopeId);
        jobs.push(...planned);
      }
      const inserted = await insertJobs(trx, jobs);
      if (inserted.length === 0) return 0;
      // Spec 003 write-back: what a coordinator was told about (a scope nobody can be reached for stays unnotified).
      await markCoordinatorNotified(
        trx,
        [...reached].flatMap((scopeId) => (crossings.get(scopeId) ?? []).map((crossing) => crossing.recordId)),
      );
      return inserted.length;
    });
  }
  if (sent > 0) options.logger.info({ jobs: sent }, "daily digests created");
  return sent;
}

export interface ReminderScheduler {
  start(): void;
  stop(): Promise<void>;
  /** One tick: lead (or stand by) and run a pass. Exposed for tests. */
  tick(): Promise<"leader" | "follower" | "no_lock">;
}

/**
 * Runs a pass every interval on the one instance holding the Redis lock. Redis only saves
 * work: when it does not answer, every instance runs the pass and the database guard above
 * still lets each reminder through once.
 */
export function createReminderScheduler(options: ReminderOptions & { lock: LeaderLock; intervalMs: number }): ReminderScheduler {
  async function tick(): Promise<"leader" | "follower" | "no_lock"> {
    let role: "leader" | "follower" | "no_lock";
    try {
      role = (await options.lock.acquire()) ? "leader" : "follower";
    } catch {
      role = "no_lock";
    }
    options.metrics.reminderPasses.inc({ role });
    if (role !== "follower") {
      await runExpiryPass(options);
      await runReminderPass(options);
      await runDigestPass(options);
    }
    return role;
  }

  // A pass every interval, and a failed one tried again after the same interval (not sooner:
  // the passes are not urgent, and a database that refuses them is already being retried elsewhere).
  const loop = createWorkerLoop({
    pass: async () => {
      await tick();
      return false;
    },
    idleMs: options.intervalMs,
    backoff: { initialMs: options.intervalMs, maxMs: options.intervalMs },
    onError: (error) => options.logger.error({ err: error }, "reminder pass failed"),
  });

  return {
    start: () => loop.start(),
    async stop() {
      await loop.stop();
      await options.lock.release().catch(() => undefined);
    },
    tick,
  };
}

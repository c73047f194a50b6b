import type { Knex } from "@honorarium/shared/db";
import type { Logger } from "@honorarium/shared";
import type { VapidKeys } from "../config.ts";
import type { GuardedHttp } from "../adapters/http/guarded-http.ts";
import { sendWebPush } from "../adapters/http/web-push-sender.ts";
import { sendWebhook } from "../adapters/http/webhook-sender.ts";
import {
  type AttemptResult,
  type ClaimedJob,
  claimDueJobs,
  loadPushSubscriptions,
  loadWebhookTargets,
  recordAttempts,
  type StoredPushSubscription,
  type WebhookTarget,
} from "../adapters/postgres/notification-store.ts";
import { nextJobState, type AttemptOutcome } from "../domain/retry-policy.ts";
import { combinePushOutcomes } from "../domain/send-outcome.ts";
import type { NotifierMetrics } from "../metrics.ts";

export interface DispatcherOptions {
  db: Knex;
  http: GuardedHttp;
  /** undefined: Web Push is disabled and web_push jobs are skipped. */
  vapid: VapidKeys | undefined;
  maxAttempts: number;
  claimLeaseMs: number;
  batchSize: number;
  workers: number;
  pollIntervalMs: number;
  metrics: NotifierMetrics;
  logger: Logger;
}

export interface Dispatcher {
  start(): void;
  /** Stops claiming; resolves when every worker has finished and recorded the batch in hand. */
  stop(): Promise<void>;
  /** Wakes idle workers (a NOTIFY said new jobs are due). */
  wake(): void;
}

type Attempt = Omit<AttemptResult, "job" | "next" | "startedAt" | "finishedAt">;

const ERROR_BACKOFF_MS = 1000;

/**
 * Worker loops: claim due jobs, send them concurrently, record every attempt and the next
 * state (retry with backoff and jitter, delivered, failed). Idle workers sleep until a NOTIFY
 * or the polling interval, whichever comes first (retries become due without a NOTIFY).
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { db, http, vapid, metrics, logger } = options;
  let running = false;
  let loops: Promise<void>[] = [];
  let waiters: (() => void)[] = [];

  function wake(): void {
    const woken = waiters;
    waiters = [];
    for (const resolve of woken) resolve();
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        waiters = waiters.filter((waiter) => waiter !== done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.push(done);
    });
  }

  async function attemptWebhook(job: ClaimedJob, target: WebhookTarget | undefined): Promise<Attempt> {
    if (target === undefined) {
      return {
        outcome: "skipped",
        httpStatus: null,
        error: "organization has no enabled webhook",
        goneSubscriptionIds: [],
        acceptedSubscriptionIds: [],
      };
    }
    const sent = await sendWebhook(http, target, job);
    return { ...sent, goneSubscriptionIds: [], acceptedSubscriptionIds: [] };
  }

  async function attemptWebPush(job: ClaimedJob, subscriptions: StoredPushSubscription[]): Promise<Attempt> {
    if (vapid === undefined) {
      return {
        outcome: "skipped",
        httpStatus: null,
        error: "web push is disabled (no VAPID keys)",
        goneSubscriptionIds: [],
        acceptedSubscriptionIds: [],
      };
    }
    const results = await Promise.all(subscriptions.map((subscription) => sendWebPush(http, vapid, subscription, job)));
    const outcome: AttemptOutcome = combinePushOutcomes(results.map((result) => result.outcome));
    const failure = results.find((result) => result.outcome !== "delivered");
    return {
      outcome,
      httpStatus: (results.find((result) => result.outcome === outcome) ?? results[0])?.httpStatus ?? null,
      error: outcome === "skipped" ? "recipient has no push subscription" : (failure?.error ?? null),
      goneSubscriptionIds: results.filter((result) => result.subscriptionGone).map((result) => result.subscriptionId),
      acceptedSubscriptionIds: results.filter((result) => result.outcome === "delivered").map((result) => result.subscriptionId),
    };
  }

  async function attempt(
    job: ClaimedJob,
    webhooks: Map<string, WebhookTarget>,
    pushes: Map<string, StoredPushSubscription[]>,
  ): Promise<AttemptResult> {
    const startedAt = new Date();
    let result: Attempt;
    try {
      if (job.channel === "webhook") result = await attemptWebhook(job, webhooks.get(job.organizationId));
      else if (job.channel === "web_push") result = await attemptWebPush(job, pushes.get(job.recipientId) ?? []);
      // In-app jobs are delivered when they are created; one found pending has nothing to send.
      else
        result = {
          outcome: "skipped",
          httpStatus: null,
          error: "in-app jobs are delivered on creation",
          goneSubscriptionIds: [],
          acceptedSubscriptionIds: [],
        };
    } catch (error) {
      result = {
        outcome: "retryable_error",
        httpStatus: null,
        error: error instanceof Error ? error.message.slice(0, 300) : "unknown error",
        goneSubscriptionIds: [],
        acceptedSubscriptionIds: [],
      };
    }
    return {
      job,
      ...result,
      next: nextJobState(result.outcome, job.attemptNumber, options.maxAttempts),
      startedAt,
      finishedAt: new Date(),
    };
  }

  async function dispatchBatch(jobs: ClaimedJob[]): Promise<void> {
    const [webhooks, pushes] = await Promise.all([
      loadWebhookTargets(
        db,
        jobs.filter((job) => job.channel === "webhook").map((job) => job.organizationId),
      ),
      loadPushSubscriptions(
        db,
        jobs.filter((job) => job.channel === "web_push").map((job) => job.recipientId),
      ),
    ]);
    const results = await Promise.all(jobs.map((job) => attempt(job, webhooks, pushes)));
    const applied = await recordAttempts(db, results);
    for (const result of results) metrics.sends.inc({ channel: result.job.channel, outcome: result.outcome });
    for (const row of applied) {
      if (row.status === "delivered") metrics.observeDelivered(row.channel, row.kind, row.sourceRecordedAt, row.deliveredAt);
      if (row.status === "failed") logger.warn({ jobId: row.id, channel: row.channel }, "notification job failed for good");
    }
    for (const result of results) {
      if (result.outcome === "retryable_error" || result.outcome === "permanent_error") {
        logger.info(
          {
            jobId: result.job.id,
            channel: result.job.channel,
            attempt: result.job.attemptNumber,
            outcome: result.outcome,
            error: result.error,
            next: result.next.status,
          },
          "notification attempt failed",
        );
      }
    }
  }

  async function workerLoop(): Promise<void> {
    while (running) {
      try {
        const jobs = await claimDueJobs(db, options.batchSize, options.claimLeaseMs);
        if (jobs.length === 0) {
          await sleep(options.pollIntervalMs);
          continue;
        }
        await dispatchBatch(jobs);
      } catch (error) {
        logger.error({ err: error }, "dispatch round failed; retrying");
        await sleep(ERROR_BACKOFF_MS);
      }
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loops = Array.from({ length: options.workers }, () => workerLoop());
    },
    async stop() {
      running = false;
      wake();
      await Promise.all(loops);
      loops = [];
    },
    wake,
  };
}

import type { Knex } from "@honorarium/shared/db";
import type { Logger } from "@honorarium/shared";
import { createWorkerLoop, type WorkerLoop } from "@honorarium/shared/infra";
import type { VapidKeys } from "../config.ts";
import type { GuardedHttp } from "../adapters/http/guarded-http.ts";
import { sendWebPush } from "../adapters/http/web-push-sender.ts";
import { sendWebhook } from "../adapters/http/webhook-sender.ts";
import {
  type AppliedResult,
  type AttemptResult,
  type ClaimedJob,
  type DisabledWebhook,
  claimDueJobs,
  loadPushSubscriptions,
  loadWebhookTargets,
  recordAttempts,
  type StoredPushSubscription,
  type WebhookTarget,
} from "../adapters/postgres/notification-store.ts";
import { nextJobState, type AttemptOutcome } from "../domain/retry-policy.ts";
import { combinePushOutcomes } from "../domain/send-outcome.ts";
import { createEndpointGate } from "../domain/endpoint-gate.ts";
import type { WebhookHealthPolicy } from "../domain/webhook-health.ts";
import type { NotifierMetrics } from "../metrics.ts";

export interface DispatcherOptions {
  db: Knex;
  http: GuardedHttp;
  /** undefined: Web Push is disabled and web_push jobs are skipped. */
  vapid: VapidKeys | undefined;
  maxAttempts: number;
  claimLeaseMs: number;
  /** Jobs claimed at most per claim. */
  batchSize: number;
  /** Claim loops running side by side. */
  claimLoops: number;
  /** Sends in flight at most in this process (all endpoints together). */
  maxInFlight: number;
  /** Sends in flight at most to one organization's webhook. */
  endpointConcurrency: number;
  /** Sends started at most per second to one organization's webhook. */
  endpointRatePerSecond: number;
  /** When a failing webhook is switched off automatically. */
  webhookHealth: WebhookHealthPolicy;
  pollIntervalMs: number;
  metrics: NotifierMetrics;
  logger: Logger;
  now?: () => number;
}

export interface Dispatcher {
  start(): void;
  /** Stops claiming; resolves when every send in flight has finished and been recorded. */
  stop(): Promise<void>;
  /** Wakes an idle claim loop (a NOTIFY said new jobs are due). */
  wake(): void;
}

type Attempt = Omit<AttemptResult, "job" | "next" | "startedAt" | "finishedAt">;

const ERROR_BACKOFF_MS = 1000;
const RECORD_CHUNK = 200;
const RECORD_WRITERS = 3;

/**
 * Claim loops and independent sends. Each claimed job is sent and recorded on its own: a
 * job never waits for another job's send, so a receiver that hangs until the send timeout
 * holds only its own jobs. Webhook jobs are claimed within their endpoint's allowance
 * (concurrency and messages per second, see EndpointGate), so a hanging or slow endpoint fills
 * its own slots and the loop goes on claiming everyone else's jobs. Results are written by a
 * group-commit recorder: whatever finished while the previous write ran goes into the next
 * transaction, which keeps the write path cheap without making a send wait for others.
 * Idle, the loop sleeps until a NOTIFY, a finished send or the polling interval (retries become
 * due without a NOTIFY).
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { db, http, vapid, metrics, logger } = options;
  const now = options.now ?? Date.now;
  const gate = createEndpointGate({ concurrency: options.endpointConcurrency, ratePerSecond: options.endpointRatePerSecond });
  const inFlight = new Map<symbol, Promise<void>>();
  // Several claim loops, so one claim's round trip does not pace the whole instance; they share
  // the endpoint gate (its limits are soft by at most what a concurrent claim took). A wake is
  // kept by a busy loop (shared createWorkerLoop), so a NOTIFY that lands mid-claim is not lost.
  const loops: WorkerLoop[] = Array.from({ length: options.claimLoops }, () =>
    createWorkerLoop({
      // Nothing claimable (idle, full or every due endpoint blocked): wait for a NOTIFY, a
      // finished send or the poll interval; the throttle's tokens come back meanwhile.
      pass: claimRound,
      idleMs: options.pollIntervalMs,
      backoff: { initialMs: ERROR_BACKOFF_MS, maxMs: ERROR_BACKOFF_MS },
      onError: (error) => logger.error({ err: error }, "dispatch round failed; retrying"),
    }),
  );

  function wake(): void {
    for (const loop of loops) loop.wake();
  }

  // Group commit: results queue up while writes run and go together into the next one; a few
  // writes run side by side (one transaction each) so the write path keeps up with the sends.
  let queued: { result: AttemptResult; done: () => void }[] = [];
  let writing = 0;

  function record(result: AttemptResult): Promise<void> {
    return new Promise((done) => {
      queued.push({ result, done });
      pump();
    });
  }

  function pump(): void {
    while (queued.length > 0 && writing < RECORD_WRITERS) {
      const chunk = queued.slice(0, RECORD_CHUNK);
      queued = queued.slice(RECORD_CHUNK);
      writing += 1;
      void write(chunk).finally(() => {
        writing -= 1;
        pump();
      });
    }
  }

  async function write(chunk: { result: AttemptResult; done: () => void }[]): Promise<void> {
    const results = chunk.map((entry) => entry.result);
    try {
      const { applied, disabledWebhooks } = await recordAttempts(db, results, options.webhookHealth);
      report(results, applied, disabledWebhooks);
    } catch (error) {
      // Not written: the claims' leases run out and the jobs are sent again (at least once).
      logger.error({ err: error, results: results.length }, "recording attempts failed; the jobs will be retried after their lease");
    }
    for (const entry of chunk) entry.done();
  }

  function report(results: AttemptResult[], applied: AppliedResult[], disabledWebhooks: DisabledWebhook[]): void {
    for (const result of results) metrics.sends.inc({ channel: result.job.channel, outcome: result.outcome });
    for (const row of applied) {
      if (row.status === "delivered" && !row.replayed)
        metrics.observeDelivered(row.channel, row.kind, row.sourceRecordedAt, row.deliveredAt);
      if (row.status === "failed") logger.warn({ jobId: row.id, channel: row.channel }, "notification job failed for good");
    }
    for (const disabled of disabledWebhooks) {
      logger.warn(
        { organizationId: disabled.organizationId, reason: disabled.reason, alerted: disabled.alertedAdminId !== null },
        "webhook disabled automatically",
      );
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
      // A replayed job starts a fresh ladder: its attempts count from the replay.
      next: nextJobState(result.outcome, job.attemptNumber - job.attemptBase, options.maxAttempts),
      startedAt,
      finishedAt: new Date(),
    };
  }

  function endpointOf(job: ClaimedJob): string | undefined {
    return job.channel === "webhook" ? job.organizationId : undefined;
  }

  function launch(job: ClaimedJob, webhooks: Map<string, WebhookTarget>, pushes: Map<string, StoredPushSubscription[]>): void {
    const endpoint = endpointOf(job);
    // The job is claimed, so it is sent; a concurrent claim's overshoot is counted by the gate.
    if (endpoint !== undefined) gate.acquire(endpoint, now());
    let holdsSlot = endpoint !== undefined;
    // The endpoint's slot is for the send only: writing the result is the database's load, not
    // the receiver's, so the next send to that endpoint may start while this one is recorded.
    const releaseSlot = () => {
      if (holdsSlot && endpoint !== undefined) gate.release(endpoint);
      holdsSlot = false;
    };
    const token = Symbol(job.id);
    const task = (async () => {
      try {
        const result = await attempt(job, webhooks, pushes);
        releaseSlot();
        // A freed slot may let a blocked endpoint's jobs be claimed.
        wake();
        await record(result);
      } finally {
        releaseSlot();
        inFlight.delete(token);
        wake();
      }
    })();
    inFlight.set(token, task);
  }

  async function claimRound(): Promise<boolean> {
    const capacity = Math.min(options.batchSize, options.maxInFlight - inFlight.size);
    if (capacity <= 0) return false;
    const allowance = gate.allowance(now());
    const jobs = await claimDueJobs(db, capacity, options.claimLeaseMs, {
      blockedWebhookOrganizations: allowance.blocked,
      webhookRemaining: allowance.remaining,
      defaultPerWebhook: allowance.defaultRemaining,
    });
    if (jobs.length === 0) return false;
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
    for (const job of jobs) launch(job, webhooks, pushes);
    return true;
  }

  return {
    start() {
      for (const loop of loops) loop.start();
    },
    async stop() {
      await Promise.all(loops.map((loop) => loop.stop()));
      while (inFlight.size > 0) await Promise.all([...inFlight.values()]);
    },
    wake,
  };
}

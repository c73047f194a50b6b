import { TRPCError, initTRPC } from "@trpc/server";
import { DomainError } from "../domain/errors.ts";
import { isAdmin, isCoordinatorOrAdmin } from "../domain/access.ts";
import type { Caller } from "./auth.ts";
import type { Context } from "./context.ts";
import { toPublicError } from "./errors.ts";

interface IssueLike {
  path?: readonly (PropertyKey | { key: PropertyKey })[];
  message: string;
}

function issuesOf(cause: unknown): IssueLike[] | undefined {
  if (typeof cause !== "object" || cause === null) return undefined;
  const issues = (cause as { issues?: unknown }).issues;
  return Array.isArray(issues) ? (issues as IssueLike[]) : undefined;
}

/** zod/standard-schema issues flattened: `{ "config.thresholdCount": ["Too small…"] }`, form-level ones apart. */
function flattenIssues(issues: readonly IssueLike[]): { fieldErrors: Record<string, string[]>; formErrors: string[] } {
  const fieldErrors: Record<string, string[]> = {};
  const formErrors: string[] = [];
  for (const issue of issues) {
    const path = (issue.path ?? []).map((segment) => String(typeof segment === "object" ? segment.key : segment)).join(".");
    if (path === "") formErrors.push(issue.message);
    else fieldErrors[path] = [...(fieldErrors[path] ?? []), issue.message];
  }
  return { fieldErrors, formErrors };
}

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const issues = issuesOf(error.cause);
    const flattened = issues === undefined ? undefined : flattenIssues(issues);
    const domain = error.cause instanceof DomainError ? error.cause : undefined;
    // Never a stack trace, SQL or driver text in a response.
    const { stack: _stack, ...data } = shape.data;
    const message =
      error.code === "INTERNAL_SERVER_ERROR"
        ? "internal error"
        : flattened !== undefined
          ? `invalid input: ${issues?.map((issue) => `${(issue.path ?? []).map((s) => String(typeof s === "object" ? s.key : s)).join(".") || "(input)"}: ${issue.message}`).join("; ")}`
          : shape.message;
    return {
      ...shape,
      message,
      data: {
        ...data,
        fieldErrors: flattened?.fieldErrors ?? null,
        formErrors: flattened?.formErrors ?? null,
        rule: domain?.rule ?? null,
        details: domain?.details ?? null,
      },
    };
  },
  sse: {
    ping: { enabled: true, intervalMs: 15_000 },
    client: { reconnectAfterInactivityMs: 40_000 },
  },
});

export const router = t.router;

/** Timing, and the mapping of domain and database errors to tRPC codes. */
const observed = t.middleware(async ({ ctx, path, type, next }) => {
  const stop = ctx.deps.metrics.requestDuration.startTimer({ procedure: path, type });
  const result = await next();
  if (result.ok) {
    stop({ code: "OK" });
    return result;
  }
  const error = toPublicError(result.error);
  stop({ code: error.code });
  if (error.code === "INTERNAL_SERVER_ERROR")
    ctx.deps.logger.error({ err: result.error.cause ?? result.error, procedure: path }, "procedure failed");
  throw error;
});

export const publicProcedure = t.procedure.use(observed);

/** The cause of a 429: the HTTP layer turns it into a Retry-After header. */
export class RateLimitedError extends Error {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super(`rate limit exceeded; retry in ${retryAfterSeconds} s`);
    this.name = "RateLimitedError";
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

function rateLimited(ctx: Context, retryAfterSeconds: number): TRPCError {
  ctx.deps.metrics.rateLimited.inc();
  const cause = new RateLimitedError(retryAfterSeconds);
  return new TRPCError({ code: "TOO_MANY_REQUESTS", message: cause.message, cause });
}

/** A verified token and the per-user rate limit; calls without one are limited per client address. */
export const authedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  if (ctx.caller === null) {
    const anonymous = await ctx.deps.anonymousRateLimiter.allow(`anon:${ctx.clientAddress}`);
    if (!anonymous.allowed) throw rateLimited(ctx, anonymous.retryAfterSeconds);
    throw new TRPCError({ code: "UNAUTHORIZED", message: ctx.authError ?? "a Bearer token is required" });
  }
  const verdict = await ctx.deps.rateLimiter.allow(ctx.caller.userId);
  if (!verdict.allowed) throw rateLimited(ctx, verdict.retryAfterSeconds);
  return next({ ctx: { caller: ctx.caller satisfies Caller } });
});

/** Coordinators and admins (org_admin, global_admin). */
export const coordinatorProcedure = authedProcedure.use(({ ctx, next }) => {
  if (!isCoordinatorOrAdmin(ctx.caller))
    throw new TRPCError({ code: "FORBIDDEN", message: "only coordinators and administrators may do this" });
  return next();
});

/** Organization administrators and global administrators. */
export const orgAdminProcedure = authedProcedure.use(({ ctx, next }) => {
  if (!isAdmin(ctx.caller)) throw new TRPCError({ code: "FORBIDDEN", message: "only organization administrators may do this" });
  return next();
});

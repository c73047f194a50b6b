import { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server";
import { DomainError, type DomainErrorKind } from "../domain/errors.ts";

const CODE_OF_KIND: Record<DomainErrorKind, TRPC_ERROR_CODE_KEY> = {
  forbidden: "FORBIDDEN",
  not_found: "NOT_FOUND",
  conflict: "CONFLICT",
  invalid: "BAD_REQUEST",
  precondition_failed: "PRECONDITION_FAILED",
};

interface PgErrorLike extends Error {
  code: string;
  constraint?: string;
}

function isPgError(error: unknown): error is PgErrorLike {
  if (!(error instanceof Error)) return false;
  const code: unknown = (error as Error & { code?: unknown }).code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
}

/**
 * Input a caller sent that got past validation yet upset PostgreSQL is still the caller's fault:
 * bad text for a type (22xxx), constraint violations (23xxx). The message names the constraint
 * (a spec rule name), never the SQL.
 */
function fromPgError(error: PgErrorLike): TRPCError | undefined {
  const constraint = error.constraint === undefined ? "" : ` (${error.constraint})`;
  if (error.code === "23505") return new TRPCError({ code: "CONFLICT", message: `already exists${constraint}`, cause: error });
  if (error.code === "23503")
    return new TRPCError({ code: "BAD_REQUEST", message: `refers to something that does not exist${constraint}`, cause: error });
  if (error.code.startsWith("23")) return new TRPCError({ code: "BAD_REQUEST", message: `violates a rule${constraint}`, cause: error });
  if (error.code.startsWith("22"))
    return new TRPCError({ code: "BAD_REQUEST", message: "a value is out of range or malformed", cause: error });
  if (error.code === "40001" || error.code === "40P01")
    return new TRPCError({ code: "CONFLICT", message: "a concurrent change got in the way; try again", cause: error });
  return undefined;
}

/** The error a caller sees for whatever a procedure threw. Unknown errors stay INTERNAL_SERVER_ERROR (message hidden by the formatter). */
export function toPublicError(error: TRPCError): TRPCError {
  const cause: unknown = error.cause;
  if (cause instanceof DomainError) return new TRPCError({ code: CODE_OF_KIND[cause.kind], message: cause.message, cause });
  if (error.code === "INTERNAL_SERVER_ERROR" && isPgError(cause)) return fromPgError(cause) ?? error;
  return error;
}

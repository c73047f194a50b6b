/**
 * Errors the use cases raise, in words safe to show the caller. The tRPC layer maps each
 * to its code (FORBIDDEN, NOT_FOUND, CONFLICT, BAD_REQUEST, PRECONDITION_FAILED).
 */
export type DomainErrorKind = "forbidden" | "not_found" | "conflict" | "invalid" | "precondition_failed";

export class DomainError extends Error {
  readonly kind: DomainErrorKind;
  /** Which business rule, when one is at stake (spec 002 names, e.g. `at_least_one_active_config`). */
  readonly rule: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  constructor(kind: DomainErrorKind, message: string, options: { rule?: string; details?: Record<string, unknown> } = {}) {
    super(message);
    this.name = "DomainError";
    this.kind = kind;
    this.rule = options.rule;
    this.details = options.details;
  }
}

export const forbidden = (message: string): DomainError => new DomainError("forbidden", message);
export const notFound = (message: string): DomainError => new DomainError("not_found", message);

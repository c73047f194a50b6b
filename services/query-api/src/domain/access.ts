import type { Caller } from "../server/auth.ts";
import { forbidden } from "./errors.ts";

/**
 * What part of one organization a caller may see. Admins see all of it; a coordinator sees
 * their scopes plus the whole-organization bucket (scope null, which belongs to no RK);
 * a peer mentor sees only their own rows.
 */
export type Visibility =
  { kind: "organization" } | { kind: "scopes"; scopeIds: readonly string[] } | { kind: "self"; peerMentorId: string };

export function isAdmin(caller: Caller): boolean {
  return caller.roles.includes("org_admin") || caller.roles.includes("global_admin");
}

export function isCoordinatorOrAdmin(caller: Caller): boolean {
  return isAdmin(caller) || caller.roles.includes("coordinator");
}

/** The organization a call acts on. A global_admin names any; everyone else only their own. */
export function resolveOrganization(caller: Caller, requested: string | undefined): string {
  if (caller.roles.includes("global_admin")) {
    const organizationId = requested ?? caller.organizationId;
    if (organizationId === null) throw forbidden("a global_admin must name the organization (organizationId)");
    return organizationId;
  }
  if (caller.organizationId === null) throw forbidden("the token names no organization");
  if (requested !== undefined && requested !== caller.organizationId) throw forbidden("you may only access your own organization");
  return caller.organizationId;
}

/** The widest view among the caller's roles. */
export function visibilityOf(caller: Caller): Visibility {
  if (isAdmin(caller)) return { kind: "organization" };
  if (caller.roles.includes("coordinator")) return { kind: "scopes", scopeIds: caller.scopes };
  return { kind: "self", peerMentorId: caller.userId };
}

export function canSeeScope(visibility: Visibility, scopeId: string | null): boolean {
  if (visibility.kind === "organization") return true;
  if (visibility.kind === "scopes") return scopeId === null || visibility.scopeIds.includes(scopeId);
  return true;
}

export function canSeeRow(visibility: Visibility, row: { scopeId: string | null; peerMentorId: string }): boolean {
  if (visibility.kind === "self") return row.peerMentorId === visibility.peerMentorId;
  return canSeeScope(visibility, row.scopeId);
}

/** Narrows a requested scope filter to what the caller may see; asking for a scope outside it is refused. */
export function requireScopes(visibility: Visibility, requested: readonly string[] | undefined): void {
  if (requested === undefined || visibility.kind !== "scopes") return;
  const outside = requested.filter((scopeId) => !visibility.scopeIds.includes(scopeId));
  if (outside.length > 0) throw forbidden("you are not a coordinator of every requested scope");
}

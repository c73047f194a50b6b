import { canSeeScope, type Visibility } from "../domain/access.ts";
import { DomainError, forbidden } from "../domain/errors.ts";
import type { AuthedContext } from "./types.ts";

/**
 * Which mentor a per-mentor query is about, and whether the caller may see them: a peer mentor only
 * themself; a coordinator a mentor with activity in one of their scopes (or the whole-organization bucket).
 */
export async function resolveVisibleMentor(
  ctx: AuthedContext,
  organizationId: string,
  visibility: Visibility,
  requested: string | undefined,
): Promise<string> {
  if (visibility.kind === "self") {
    if (requested !== undefined && requested !== visibility.peerMentorId) throw forbidden("a peer mentor may only see their own data");
    return visibility.peerMentorId;
  }
  if (requested === undefined) throw new DomainError("invalid", "name the peer mentor (peerMentorId)");
  if (visibility.kind === "scopes") {
    const scopes = await ctx.deps.repositories.counts.mentorScopes(organizationId, requested);
    if (!scopes.some((scopeId) => canSeeScope(visibility, scopeId))) throw forbidden("this peer mentor has no activity in your scopes");
  }
  return requested;
}

import { effectivePreferences } from "@honorarium/shared/domain";
import { resolveOrganization } from "../../domain/access.ts";
import type { HandlerOptions } from "../types.ts";
import type { SetPreferencesInput } from "./set.schema.ts";

/** Sets the caller's own choices (only those named change); answers with the whole matrix. */
export async function setPreferencesHandler({ ctx, input }: HandlerOptions<SetPreferencesInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const stored = await ctx.deps.repositories.preferences.set(organizationId, ctx.caller.userId, input.preferences);
  return { organizationId, preferences: effectivePreferences(stored) };
}

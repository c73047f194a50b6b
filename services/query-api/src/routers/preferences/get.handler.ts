import { effectivePreferences } from "@honorarium/shared/domain";
import { resolveOrganization } from "../../domain/access.ts";
import type { HandlerOptions } from "../types.ts";
import type { GetPreferencesInput } from "./get.schema.ts";

/** The caller's own preferences, every channel × category (on where they never chose). */
export async function getPreferencesHandler({ ctx, input }: HandlerOptions<GetPreferencesInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const stored = await ctx.deps.repositories.preferences.list(organizationId, ctx.caller.userId);
  return { organizationId, preferences: effectivePreferences(stored) };
}

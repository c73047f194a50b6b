import { resolveOrganization } from "../../domain/access.ts";
import { type BufdirReport, shapeBufdirReport } from "../../domain/bufdir.ts";
import type { HandlerOptions } from "../types.ts";
import type { AggregateInput } from "./aggregate.schema.ts";

/** Bufdir grant figures per organization and calendar year (local dates in the organization's zone). */
export async function aggregateHandler({ ctx, input }: HandlerOptions<AggregateInput>): Promise<BufdirReport> {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const { bufdir, organizations } = ctx.deps.repositories;
  const [timeZone, activity, tiers] = await Promise.all([
    organizations.timeZone(organizationId),
    bufdir.activity(organizationId, input.year),
    bufdir.tiers(organizationId, input.year),
  ]);
  return shapeBufdirReport({
    organizationId,
    year: input.year,
    timeZone,
    activity: activity.rows,
    cancelledAssignments: activity.cancelledAssignments,
    tiers,
  });
}

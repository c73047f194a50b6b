import { resolveOrganization, visibilityOf } from "../../domain/access.ts";
import type { HandlerOptions } from "../types.ts";
import type { ListOpeningBalancesInput } from "./list.schema.ts";

/** The imported balances the caller may see (a coordinator: their scopes and the whole-organisation ones). */
export async function listOpeningBalancesHandler({ ctx, input }: HandlerOptions<ListOpeningBalancesInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const balances = await ctx.deps.repositories.openingBalances.list(organizationId, visibilityOf(ctx.caller));
  return { organizationId, balances };
}

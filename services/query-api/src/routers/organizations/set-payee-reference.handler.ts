import { cacheVersions } from "../../adapters/redis/read-cache.ts";
import { resolveOrganization } from "../../domain/access.ts";
import type { HandlerOptions } from "../types.ts";
import type { SetPayeeReferenceInput } from "./set-payee-reference.schema.ts";

/**
 * The organisation's opaque payroll reference for a mentor (payout exports carry it), or null to
 * clear it. Mentors are ids in the events (there is no mentor table), so a reference may be set
 * before the mentor's first assignment. Never a name: the format admits no spaces.
 */
export async function setPayeeReferenceHandler({ ctx, input }: HandlerOptions<SetPayeeReferenceInput>) {
  const organizationId = resolveOrganization(ctx.caller, input.organizationId);
  const { peerMentorId, payeeReference } = input;
  const changed = await ctx.deps.repositories.organizationSettings.withOrganizationLocked(
    organizationId,
    ctx.caller,
    ctx.deps.now(),
    async (tx) => {
      const before = await tx.payeeReference(peerMentorId);
      if (before === payeeReference) return false;
      await tx.setPayeeReference(peerMentorId, payeeReference);
      await tx.audit({
        action: payeeReference === null ? "clear_payee_reference" : "set_payee_reference",
        subject: peerMentorId,
        before: before === null ? null : { peerMentorId, payeeReference: before },
        after: payeeReference === null ? null : { peerMentorId, payeeReference },
      });
      return true;
    },
  );
  if (changed) await ctx.deps.cache.bump([cacheVersions.organizationConfig(organizationId)]);
  return { organizationId, peerMentorId, payeeReference, changed };
}

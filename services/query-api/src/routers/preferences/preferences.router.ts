import { authedProcedure, coordinatorProcedure, router } from "../../server/trpc.ts";
import { digestsHandler, setDigestHandler } from "./digests.handler.ts";
import { digestsInput, setDigestInput } from "./digests.schema.ts";
import { getPreferencesHandler } from "./get.handler.ts";
import { getPreferencesInput } from "./get.schema.ts";
import { setPreferencesHandler } from "./set.handler.ts";
import { setPreferencesInput } from "./set.schema.ts";

/** Every signed-in user's own notification preferences (Web Push and in-app, per category). */
export const preferencesRouter = router({
  get: authedProcedure.input(getPreferencesInput).query(({ ctx, input }) => getPreferencesHandler({ ctx, input })),
  set: authedProcedure.input(setPreferencesInput).mutation(({ ctx, input }) => setPreferencesHandler({ ctx, input })),
  /** Coordinators (their scopes) and admins: a daily digest per scope instead of a message per crossing. */
  digests: coordinatorProcedure.input(digestsInput).query(({ ctx, input }) => digestsHandler({ ctx, input })),
  setDigest: coordinatorProcedure.input(setDigestInput).mutation(({ ctx, input }) => setDigestHandler({ ctx, input })),
});

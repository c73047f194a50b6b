import { authedProcedure, router } from "../../server/trpc.ts";
import { getPreferencesHandler } from "./get.handler.ts";
import { getPreferencesInput } from "./get.schema.ts";
import { setPreferencesHandler } from "./set.handler.ts";
import { setPreferencesInput } from "./set.schema.ts";

/** Every signed-in user's own notification preferences (Web Push and in-app, per category). */
export const preferencesRouter = router({
  get: authedProcedure.input(getPreferencesInput).query(({ ctx, input }) => getPreferencesHandler({ ctx, input })),
  set: authedProcedure.input(setPreferencesInput).mutation(({ ctx, input }) => setPreferencesHandler({ ctx, input })),
});

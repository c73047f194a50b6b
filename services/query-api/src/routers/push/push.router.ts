import { authedProcedure, router } from "../../server/trpc.ts";
import { subscribeHandler, unsubscribeHandler } from "./push.handler.ts";
import { subscribeInput, unsubscribeInput } from "./push.schema.ts";

export const pushRouter = router({
  subscribe: authedProcedure.input(subscribeInput).mutation(({ ctx, input }) => subscribeHandler({ ctx, input })),
  unsubscribe: authedProcedure.input(unsubscribeInput).mutation(({ ctx, input }) => unsubscribeHandler({ ctx, input })),
});

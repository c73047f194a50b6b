import { authedProcedure, router } from "../../server/trpc.ts";
import { subscribeHandler } from "./subscribe.handler.ts";
import { subscribeInput } from "./subscribe.schema.ts";
import { unsubscribeHandler } from "./unsubscribe.handler.ts";
import { unsubscribeInput } from "./unsubscribe.schema.ts";

export const pushRouter = router({
  subscribe: authedProcedure.input(subscribeInput).mutation(({ ctx, input }) => subscribeHandler({ ctx, input })),
  unsubscribe: authedProcedure.input(unsubscribeInput).mutation(({ ctx, input }) => unsubscribeHandler({ ctx, input })),
});

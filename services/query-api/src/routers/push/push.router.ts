import { authedProcedure, router } from "../../server/trpc.ts";
import { subscribeHandler } from "./subscribe.handler.ts";
import { subscribeInput } from "./subscribe.schema.ts";
import { unsubscribeHandler } from "./unsubscribe.handler.ts";
import { unsubscribeInput } from "./unsubscribe.schema.ts";
import { vapidPublicKeyHandler } from "./vapid-public-key.handler.ts";

export const pushRouter = router({
  subscribe: authedProcedure.input(subscribeInput).mutation(({ ctx, input }) => subscribeHandler({ ctx, input })),
  vapidPublicKey: authedProcedure.query(({ ctx }) => vapidPublicKeyHandler({ ctx, input: undefined })),
  unsubscribe: authedProcedure.input(unsubscribeInput).mutation(({ ctx, input }) => unsubscribeHandler({ ctx, input })),
});

import { orgAdminProcedure, router } from "../../server/trpc.ts";
import { disableWebhookHandler, getWebhookHandler, setWebhookHandler } from "./webhooks.handler.ts";
import { getWebhookInput, setWebhookInput } from "./webhooks.schema.ts";

export const webhooksRouter = router({
  get: orgAdminProcedure.input(getWebhookInput).query(({ ctx, input }) => getWebhookHandler({ ctx, input })),
  set: orgAdminProcedure.input(setWebhookInput).mutation(({ ctx, input }) => setWebhookHandler({ ctx, input })),
  disable: orgAdminProcedure.input(getWebhookInput).mutation(({ ctx, input }) => disableWebhookHandler({ ctx, input })),
});

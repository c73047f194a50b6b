import { orgAdminProcedure, router } from "../../server/trpc.ts";
import { disableWebhookHandler } from "./disable.handler.ts";
import { disableWebhookInput } from "./disable.schema.ts";
import { getWebhookHandler } from "./get.handler.ts";
import { getWebhookInput } from "./get.schema.ts";
import { setWebhookHandler } from "./set.handler.ts";
import { setWebhookInput } from "./set.schema.ts";

export const webhooksRouter = router({
  get: orgAdminProcedure.input(getWebhookInput).query(({ ctx, input }) => getWebhookHandler({ ctx, input })),
  set: orgAdminProcedure.input(setWebhookInput).mutation(({ ctx, input }) => setWebhookHandler({ ctx, input })),
  disable: orgAdminProcedure.input(disableWebhookInput).mutation(({ ctx, input }) => disableWebhookHandler({ ctx, input })),
});

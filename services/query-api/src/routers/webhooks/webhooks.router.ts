import { orgAdminProcedure, router } from "../../server/trpc.ts";
import { webhookAttemptsHandler } from "./attempts.handler.ts";
import { webhookAttemptsInput } from "./attempts.schema.ts";
import { disableWebhookHandler } from "./disable.handler.ts";
import { disableWebhookInput } from "./disable.schema.ts";
import { enableWebhookHandler } from "./enable.handler.ts";
import { enableWebhookInput } from "./enable.schema.ts";
import { getWebhookHandler } from "./get.handler.ts";
import { getWebhookInput } from "./get.schema.ts";
import { replayWebhooksHandler } from "./replay.handler.ts";
import { replayWebhooksInput } from "./replay.schema.ts";
import { rotateSecretHandler } from "./rotate-secret.handler.ts";
import { rotateSecretInput } from "./rotate-secret.schema.ts";
import { setWebhookHandler } from "./set.handler.ts";
import { setWebhookInput } from "./set.schema.ts";

export const webhooksRouter = router({
  get: orgAdminProcedure.input(getWebhookInput).query(({ ctx, input }) => getWebhookHandler({ ctx, input })),
  set: orgAdminProcedure.input(setWebhookInput).mutation(({ ctx, input }) => setWebhookHandler({ ctx, input })),
  disable: orgAdminProcedure.input(disableWebhookInput).mutation(({ ctx, input }) => disableWebhookHandler({ ctx, input })),
  enable: orgAdminProcedure.input(enableWebhookInput).mutation(({ ctx, input }) => enableWebhookHandler({ ctx, input })),
  rotateSecret: orgAdminProcedure.input(rotateSecretInput).mutation(({ ctx, input }) => rotateSecretHandler({ ctx, input })),
  replay: orgAdminProcedure.input(replayWebhooksInput).mutation(({ ctx, input }) => replayWebhooksHandler({ ctx, input })),
  attempts: orgAdminProcedure.input(webhookAttemptsInput).query(({ ctx, input }) => webhookAttemptsHandler({ ctx, input })),
});

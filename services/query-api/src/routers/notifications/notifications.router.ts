import { authedProcedure, coordinatorProcedure, router } from "../../server/trpc.ts";
import { failedNotificationsHandler } from "./failed.handler.ts";
import { failedNotificationsInput } from "./failed.schema.ts";
import { listNotificationsHandler } from "./list.handler.ts";
import { listNotificationsInput } from "./list.schema.ts";
import { markReadHandler } from "./mark-read.handler.ts";
import { markReadInput } from "./mark-read.schema.ts";

export const notificationsRouter = router({
  list: authedProcedure.input(listNotificationsInput).query(({ ctx, input }) => listNotificationsHandler({ ctx, input })),
  markRead: authedProcedure.input(markReadInput).mutation(({ ctx, input }) => markReadHandler({ ctx, input })),
  failed: coordinatorProcedure.input(failedNotificationsInput).query(({ ctx, input }) => failedNotificationsHandler({ ctx, input })),
});

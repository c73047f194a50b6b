import { authedProcedure, coordinatorProcedure, router } from "../../server/trpc.ts";
import { failedNotificationsHandler, listNotificationsHandler, markReadHandler } from "./notifications.handler.ts";
import { failedNotificationsInput, listNotificationsInput, markReadInput } from "./notifications.schema.ts";

export const notificationsRouter = router({
  list: authedProcedure.input(listNotificationsInput).query(({ ctx, input }) => listNotificationsHandler({ ctx, input })),
  markRead: authedProcedure.input(markReadInput).mutation(({ ctx, input }) => markReadHandler({ ctx, input })),
  failed: coordinatorProcedure.input(failedNotificationsInput).query(({ ctx, input }) => failedNotificationsHandler({ ctx, input })),
});

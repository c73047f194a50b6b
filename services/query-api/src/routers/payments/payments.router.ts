import { coordinatorProcedure, router } from "../../server/trpc.ts";
import { paymentHistoryHandler } from "./history.handler.ts";
import { historyInput } from "./history.schema.ts";
import { transitionHandler } from "./transition.handler.ts";
import { transitionInput } from "./transition.schema.ts";

export const paymentsRouter = router({
  history: coordinatorProcedure.input(historyInput).query(({ ctx, input }) => paymentHistoryHandler({ ctx, input })),
  transition: coordinatorProcedure.input(transitionInput).mutation(({ ctx, input }) => transitionHandler({ ctx, input })),
});

import { authedProcedure, router } from "../../server/trpc.ts";
import { historyHandler } from "./history.handler.ts";
import { historyInput } from "./history.schema.ts";

export const milestonesRouter = router({
  history: authedProcedure.input(historyInput).query(({ ctx, input }) => historyHandler({ ctx, input })),
});

import { coordinatorProcedure, router } from "../../server/trpc.ts";
import { transitionHandler } from "./transition.handler.ts";
import { transitionInput } from "./transition.schema.ts";

export const paymentsRouter = router({
  transition: coordinatorProcedure.input(transitionInput).mutation(({ ctx, input }) => transitionHandler({ ctx, input })),
});

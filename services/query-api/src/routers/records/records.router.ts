import { coordinatorProcedure, router } from "../../server/trpc.ts";
import { flaggedHandler, resolveReviewHandler } from "./flagged.handler.ts";
import { flaggedInput, resolveReviewInput } from "./flagged.schema.ts";

export const recordsRouter = router({
  flagged: coordinatorProcedure.input(flaggedInput).query(({ ctx, input }) => flaggedHandler({ ctx, input })),
  resolveReview: coordinatorProcedure.input(resolveReviewInput).mutation(({ ctx, input }) => resolveReviewHandler({ ctx, input })),
});

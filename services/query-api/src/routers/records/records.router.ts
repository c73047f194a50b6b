import { coordinatorProcedure, router } from "../../server/trpc.ts";
import { flaggedHandler } from "./flagged.handler.ts";
import { flaggedInput } from "./flagged.schema.ts";
import { resolveReviewHandler } from "./resolve-review.handler.ts";
import { resolveReviewInput } from "./resolve-review.schema.ts";

export const recordsRouter = router({
  flagged: coordinatorProcedure.input(flaggedInput).query(({ ctx, input }) => flaggedHandler({ ctx, input })),
  resolveReview: coordinatorProcedure.input(resolveReviewInput).mutation(({ ctx, input }) => resolveReviewHandler({ ctx, input })),
});

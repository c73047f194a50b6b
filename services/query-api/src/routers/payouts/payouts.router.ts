import { coordinatorProcedure, router } from "../../server/trpc.ts";
import { batchInput, listBatchesInput, markPaidInput, releaseInput } from "./batch.schema.ts";
import { createHandler } from "./create.handler.ts";
import { exportHandler } from "./export.handler.ts";
import { getHandler } from "./get.handler.ts";
import { listHandler } from "./list.handler.ts";
import { markPaidHandler } from "./mark-paid.handler.ts";
import { previewHandler } from "./preview.handler.ts";
import { payoutSelectionInput } from "./preview.schema.ts";
import { releaseHandler } from "./release.handler.ts";

/** Payout batches for payroll: a coordinator (own scopes) or an administrator previews, creates, exports, marks paid, or releases to redo. */
export const payoutsRouter = router({
  preview: coordinatorProcedure.input(payoutSelectionInput).query(({ ctx, input }) => previewHandler({ ctx, input })),
  create: coordinatorProcedure.input(payoutSelectionInput).mutation(({ ctx, input }) => createHandler({ ctx, input })),
  get: coordinatorProcedure.input(batchInput).query(({ ctx, input }) => getHandler({ ctx, input })),
  list: coordinatorProcedure.input(listBatchesInput).query(({ ctx, input }) => listHandler({ ctx, input })),
  export: coordinatorProcedure.input(batchInput).query(({ ctx, input }) => exportHandler({ ctx, input })),
  markPaid: coordinatorProcedure.input(markPaidInput).mutation(({ ctx, input }) => markPaidHandler({ ctx, input })),
  release: coordinatorProcedure.input(releaseInput).mutation(({ ctx, input }) => releaseHandler({ ctx, input })),
});

import { orgAdminProcedure, router } from "../../server/trpc.ts";
import { aggregateHandler, exportCsvHandler } from "./aggregate.handler.ts";
import { bufdirInput } from "./aggregate.schema.ts";

/** The organization's grant report: organization and global administrators. */
export const bufdirRouter = router({
  aggregate: orgAdminProcedure.input(bufdirInput).query(({ ctx, input }) => aggregateHandler({ ctx, input })),
  exportCsv: orgAdminProcedure.input(bufdirInput).query(({ ctx, input }) => exportCsvHandler({ ctx, input })),
});

import { orgAdminProcedure, router } from "../../server/trpc.ts";
import { aggregateHandler } from "./aggregate.handler.ts";
import { aggregateInput } from "./aggregate.schema.ts";
import { exportCsvHandler } from "./export-csv.handler.ts";
import { exportCsvInput } from "./export-csv.schema.ts";

/** The organization's grant report: organization and global administrators. */
export const bufdirRouter = router({
  aggregate: orgAdminProcedure.input(aggregateInput).query(({ ctx, input }) => aggregateHandler({ ctx, input })),
  exportCsv: orgAdminProcedure.input(exportCsvInput).query(({ ctx, input }) => exportCsvHandler({ ctx, input })),
});

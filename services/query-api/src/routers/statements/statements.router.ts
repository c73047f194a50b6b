import { coordinatorProcedure, router } from "../../server/trpc.ts";
import { statementExportHandler } from "./export-csv.handler.ts";
import { statementExportInput } from "./export-csv.schema.ts";
import { periodStatementHandler } from "./period.handler.ts";
import { periodStatementInput } from "./period.schema.ts";

export const statementsRouter = router({
  period: coordinatorProcedure.input(periodStatementInput).query(({ ctx, input }) => periodStatementHandler({ ctx, input })),
  exportCsv: coordinatorProcedure.input(statementExportInput).query(({ ctx, input }) => statementExportHandler({ ctx, input })),
});

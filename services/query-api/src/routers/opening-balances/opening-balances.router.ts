import { coordinatorProcedure, orgAdminProcedure, router } from "../../server/trpc.ts";
import { importOpeningBalancesHandler } from "./import.handler.ts";
import { importOpeningBalancesInput } from "./import.schema.ts";
import { listOpeningBalancesHandler } from "./list.handler.ts";
import { listOpeningBalancesInput } from "./list.schema.ts";

/** Go-live opening balances: only org_admin and global_admin import; coordinators read their scopes'. */
export const openingBalancesRouter = router({
  import: orgAdminProcedure.input(importOpeningBalancesInput).mutation(({ ctx, input }) => importOpeningBalancesHandler({ ctx, input })),
  list: coordinatorProcedure.input(listOpeningBalancesInput).query(({ ctx, input }) => listOpeningBalancesHandler({ ctx, input })),
});

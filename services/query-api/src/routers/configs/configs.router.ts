import { coordinatorProcedure, orgAdminProcedure, router } from "../../server/trpc.ts";
import { createConfigHandler } from "./create.handler.ts";
import { createConfigInput } from "./create.schema.ts";
import { deactivateConfigHandler } from "./deactivate.handler.ts";
import { deactivateConfigInput } from "./deactivate.schema.ts";
import { auditLogHandler, listConfigsHandler } from "./list.handler.ts";
import { auditLogInput, listConfigsInput } from "./list.schema.ts";
import { updateConfigHandler } from "./update.handler.ts";
import { updateConfigInput } from "./update.schema.ts";

/** org_admin_only_modification: coordinators read, only org_admin and global_admin write. */
export const configsRouter = router({
  list: coordinatorProcedure.input(listConfigsInput).query(({ ctx, input }) => listConfigsHandler({ ctx, input })),
  auditLog: orgAdminProcedure.input(auditLogInput).query(({ ctx, input }) => auditLogHandler({ ctx, input })),
  create: orgAdminProcedure.input(createConfigInput).mutation(({ ctx, input }) => createConfigHandler({ ctx, input })),
  update: orgAdminProcedure.input(updateConfigInput).mutation(({ ctx, input }) => updateConfigHandler({ ctx, input })),
  deactivate: orgAdminProcedure.input(deactivateConfigInput).mutation(({ ctx, input }) => deactivateConfigHandler({ ctx, input })),
});

import { coordinatorProcedure, orgAdminProcedure, router } from "../../server/trpc.ts";
import { organizationAuditLogHandler } from "./audit-log.handler.ts";
import { organizationAuditLogInput } from "./audit-log.schema.ts";
import { setPayeeReferenceHandler } from "./set-payee-reference.handler.ts";
import { setPayeeReferenceInput } from "./set-payee-reference.schema.ts";
import { setScopeNameHandler } from "./set-scope-name.handler.ts";
import { setScopeNameInput } from "./set-scope-name.schema.ts";
import { setTaxFreeLimitHandler } from "./set-tax-free-limit.handler.ts";
import { setTaxFreeLimitInput } from "./set-tax-free-limit.schema.ts";
import { settingsHandler } from "./settings.handler.ts";
import { settingsInput } from "./settings.schema.ts";
import { updateOrganizationHandler } from "./update.handler.ts";
import { updateOrganizationInput } from "./update.schema.ts";

/** Organisation settings: coordinators read (without payee references), only org_admin and global_admin change or read the audit. */
export const organizationsRouter = router({
  settings: coordinatorProcedure.input(settingsInput).query(({ ctx, input }) => settingsHandler({ ctx, input })),
  update: orgAdminProcedure.input(updateOrganizationInput).mutation(({ ctx, input }) => updateOrganizationHandler({ ctx, input })),
  setTaxFreeLimit: orgAdminProcedure.input(setTaxFreeLimitInput).mutation(({ ctx, input }) => setTaxFreeLimitHandler({ ctx, input })),
  setScopeName: orgAdminProcedure.input(setScopeNameInput).mutation(({ ctx, input }) => setScopeNameHandler({ ctx, input })),
  setPayeeReference: orgAdminProcedure.input(setPayeeReferenceInput).mutation(({ ctx, input }) => setPayeeReferenceHandler({ ctx, input })),
  auditLog: orgAdminProcedure.input(organizationAuditLogInput).query(({ ctx, input }) => organizationAuditLogHandler({ ctx, input })),
});

import { z } from "zod";
import { organizationIdField } from "../common.schema.ts";

export const listOpeningBalancesInput = z.object({ organizationId: organizationIdField });
export type ListOpeningBalancesInput = z.infer<typeof listOpeningBalancesInput>;

import { z } from "zod";
import { organizationIdField } from "../common.schema.ts";

export const onActivityInput = z.object({ organizationId: organizationIdField });
export type OnActivityInput = z.infer<typeof onActivityInput>;

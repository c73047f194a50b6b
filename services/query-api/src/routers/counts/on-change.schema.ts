import { z } from "zod";
import { organizationIdField } from "../common.schema.ts";

export const onChangeInput = z.object({
  organizationId: organizationIdField,
  /** Set by the client on reconnect: the last stream id it saw. */
  lastEventId: z
    .string()
    .regex(/^\d{1,20}-\d{1,20}$/, "a Redis stream id such as 1732380000000-0")
    .nullish(),
});
export type OnChangeInput = z.infer<typeof onChangeInput>;

import type { z } from "zod";
import { aggregateInput } from "./aggregate.schema.ts";

/** The CSV is the aggregate report rendered, so it takes the same input. */
export const exportCsvInput = aggregateInput;
export type ExportCsvInput = z.infer<typeof exportCsvInput>;

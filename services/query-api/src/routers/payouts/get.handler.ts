import type { HandlerOptions } from "../types.ts";
import type { BatchInput } from "./batch.schema.ts";
import { loadVisibleBatch } from "./load-batch.ts";

export async function getHandler({ ctx, input }: HandlerOptions<BatchInput>) {
  const { batch, records, lines } = await loadVisibleBatch(ctx, input);
  return { batch, lines, records };
}

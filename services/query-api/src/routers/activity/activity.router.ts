import { authedProcedure, router } from "../../server/trpc.ts";
import { onActivityHandler } from "./on-change.handler.ts";
import { onActivityInput } from "./on-change.schema.ts";

export const activityRouter = router({
  onChange: authedProcedure.input(onActivityInput).subscription(({ ctx, input, signal }) => onActivityHandler({ ctx, input, signal })),
});

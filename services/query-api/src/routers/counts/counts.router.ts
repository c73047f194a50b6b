import { authedProcedure, coordinatorProcedure, router } from "../../server/trpc.ts";
import { dashboardHandler } from "./dashboard.handler.ts";
import { dashboardInput } from "./dashboard.schema.ts";
import { forMentorHandler } from "./for-mentor.handler.ts";
import { forMentorInput } from "./for-mentor.schema.ts";
import { onChangeHandler } from "./on-change.handler.ts";
import { onChangeInput } from "./on-change.schema.ts";

export const countsRouter = router({
  forMentor: authedProcedure.input(forMentorInput).query(({ ctx, input }) => forMentorHandler({ ctx, input })),
  dashboard: coordinatorProcedure.input(dashboardInput).query(({ ctx, input }) => dashboardHandler({ ctx, input })),
  onChange: authedProcedure.input(onChangeInput).subscription(({ ctx, input, signal }) => onChangeHandler({ ctx, input, signal })),
});

import { authedProcedure, coordinatorProcedure, router } from "../../server/trpc.ts";
import { deliveriesForMentorHandler } from "./for-mentor.handler.ts";
import { deliveriesForMentorInput } from "./for-mentor.schema.ts";
import { listDeliveriesHandler } from "./list.handler.ts";
import { listDeliveriesInput } from "./list.schema.ts";

export const deliveriesRouter = router({
  list: coordinatorProcedure.input(listDeliveriesInput).query(({ ctx, input }) => listDeliveriesHandler({ ctx, input })),
  forMentor: authedProcedure.input(deliveriesForMentorInput).query(({ ctx, input }) => deliveriesForMentorHandler({ ctx, input })),
});

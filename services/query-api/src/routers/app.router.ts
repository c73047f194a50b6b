import { router } from "../server/trpc.ts";
import { activityRouter } from "./activity/activity.router.ts";
import { bufdirRouter } from "./bufdir/bufdir.router.ts";
import { configsRouter } from "./configs/configs.router.ts";
import { countsRouter } from "./counts/counts.router.ts";
import { deliveriesRouter } from "./deliveries/deliveries.router.ts";
import { milestonesRouter } from "./milestones/milestones.router.ts";
import { notificationsRouter } from "./notifications/notifications.router.ts";
import { openingBalancesRouter } from "./opening-balances/opening-balances.router.ts";
import { organizationsRouter } from "./organizations/organizations.router.ts";
import { paymentsRouter } from "./payments/payments.router.ts";
import { payoutsRouter } from "./payouts/payouts.router.ts";
import { preferencesRouter } from "./preferences/preferences.router.ts";
import { pushRouter } from "./push/push.router.ts";
import { recordsRouter } from "./records/records.router.ts";
import { statementsRouter } from "./statements/statements.router.ts";
import { webhooksRouter } from "./webhooks/webhooks.router.ts";

/** Procedure names are a public contract (DESIGN.md "Query API"): add, never rename. */
export const appRouter = router({
  counts: countsRouter,
  milestones: milestonesRouter,
  configs: configsRouter,
  payments: paymentsRouter,
  records: recordsRouter,
  bufdir: bufdirRouter,
  notifications: notificationsRouter,
  push: pushRouter,
  preferences: preferencesRouter,
  webhooks: webhooksRouter,
  deliveries: deliveriesRouter,
  organizations: organizationsRouter,
  statements: statementsRouter,
  payouts: payoutsRouter,
  openingBalances: openingBalancesRouter,
  activity: activityRouter,
});

export type AppRouter = typeof appRouter;

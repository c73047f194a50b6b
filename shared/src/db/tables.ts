/** Postgres LISTEN/NOTIFY channels raised by triggers in the migrations. */
export const PG_CHANNELS = {
  outboxInserted: "outbox_inserted",
  notificationJobsDue: "notification_jobs_due",
  /** Payload: a LiveActivity (shared/contracts/live-activity.ts) as JSON. */
  liveActivity: "live_activity",
} as const;

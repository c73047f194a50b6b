/** Postgres LISTEN/NOTIFY channels raised by triggers in the migrations. */
export const PG_CHANNELS = {
  outboxInserted: "outbox_inserted",
  notificationJobsDue: "notification_jobs_due",
} as const;

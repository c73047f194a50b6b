/** Spec 004 auto_reminder_after_ten_days: a delivery not opened this long after delivery is due a reminder. */
export const REMINDER_AFTER_DAYS = 10;

const DAY_MS = 86_400_000;

/** Deliveries delivered before this instant and still not opened are overdue for a reminder. */
export function overdueCutoff(now: Date, afterDays: number = REMINDER_AFTER_DAYS): Date {
  return new Date(now.getTime() - afterDays * DAY_MS);
}

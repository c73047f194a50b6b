import type { Knex } from "knex";
import * as organizationsAndThresholdConfigs from "./001_organizations_and_threshold_configs.ts";
import * as counting from "./002_counting.ts";
import * as notifications from "./003_notifications.ts";
import * as assignmentDeliveries from "./004_assignment_deliveries.ts";
import * as auditLogs from "./005_audit_logs.ts";
import * as counterDeadLetterDedupe from "./006_counter_dead_letter_dedupe.ts";
import * as bufdirActivityDays from "./014_bufdir_activity_days.ts";
import * as assignmentDeliveryLookups from "./020_assignment_delivery_lookups.ts";
import * as outboxParking from "./021_outbox_parking.ts";
import * as writePathIndexes from "./022_write_path_indexes.ts";
import * as attemptRetryDelay from "./023_attempt_retry_delay.ts";
import * as statementsAndPayouts from "./024_statements_and_payouts.ts";
import * as organizationSettingsApi from "./025_organization_settings_api.ts";
import * as webhookHealthAndRotation from "./030_webhook_health_and_rotation.ts";
import * as webhookReplay from "./031_webhook_replay.ts";
import * as deliveryExpiry from "./032_delivery_expiry.ts";
import * as notificationPreferences from "./033_notification_preferences.ts";
import * as openingBalances from "./045_opening_balances.ts";
import * as liveActivity from "./046_live_activity.ts";
import * as dailyDigest from "./047_daily_digest.ts";

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Every migration, in order. Listed in code (not read from disk) so every runtime finds them. */
export const MIGRATIONS: ReadonlyArray<readonly [name: string, migration: Migration]> = [
  ["001_organizations_and_threshold_configs", organizationsAndThresholdConfigs],
  ["002_counting", counting],
  ["003_notifications", notifications],
  ["004_assignment_deliveries", assignmentDeliveries],
  ["005_audit_logs", auditLogs],
  ["006_counter_dead_letter_dedupe", counterDeadLetterDedupe],
  ["014_bufdir_activity_days", bufdirActivityDays],
  ["020_assignment_delivery_lookups", assignmentDeliveryLookups],
  ["021_outbox_parking", outboxParking],
  ["022_write_path_indexes", writePathIndexes],
  ["023_attempt_retry_delay", attemptRetryDelay],
  ["024_statements_and_payouts", statementsAndPayouts],
  ["025_organization_settings_api", organizationSettingsApi],
  ["030_webhook_health_and_rotation", webhookHealthAndRotation],
  ["031_webhook_replay", webhookReplay],
  ["032_delivery_expiry", deliveryExpiry],
  ["033_notification_preferences", notificationPreferences],
  ["045_opening_balances", openingBalances],
  ["046_live_activity", liveActivity],
  ["047_daily_digest", dailyDigest],
];

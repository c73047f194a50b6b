import type { Knex } from "knex";
import type { Repositories } from "../../ports.ts";
import { createPostgresBufdirRepository } from "./bufdir-repository.ts";
import { createPostgresConfigsRepository } from "./configs-repository.ts";
import { createPostgresCountsRepository } from "./counts-repository.ts";
import { createPostgresDeliveriesRepository } from "./deliveries-repository.ts";
import { createPostgresNotificationsRepository, createPostgresPushSubscriptionsRepository } from "./notifications-repository.ts";
import { createPostgresOpeningBalancesRepository } from "./opening-balances-repository.ts";
import { createPostgresOrganizationSettingsRepository } from "./organization-settings-repository.ts";
import { createPostgresOrganizationsRepository } from "./organizations-repository.ts";
import { createPostgresPayoutsRepository } from "./payouts-repository.ts";
import { createPostgresPreferencesRepository } from "./preferences-repository.ts";
import { createPostgresRecordsRepository } from "./records-repository.ts";
import { createPostgresWebhooksRepository } from "./webhooks-repository.ts";

export function createPostgresRepositories(db: Knex): Repositories {
  return {
    organizations: createPostgresOrganizationsRepository(db),
    organizationSettings: createPostgresOrganizationSettingsRepository(db),
    counts: createPostgresCountsRepository(db),
    records: createPostgresRecordsRepository(db),
    configs: createPostgresConfigsRepository(db),
    bufdir: createPostgresBufdirRepository(db),
    notifications: createPostgresNotificationsRepository(db),
    pushSubscriptions: createPostgresPushSubscriptionsRepository(db),
    webhooks: createPostgresWebhooksRepository(db),
    preferences: createPostgresPreferencesRepository(db),
    deliveries: createPostgresDeliveriesRepository(db),
    payouts: createPostgresPayoutsRepository(db),
    openingBalances: createPostgresOpeningBalancesRepository(db),
  };
}

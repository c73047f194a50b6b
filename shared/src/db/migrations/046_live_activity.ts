import type { Knex } from "knex";

// Live activity (shared/contracts/live-activity.ts): a NOTIFY on live_activity per changed record or
// configuration row (per statement and person for the feed), sent by the writer's own transaction, so every writer is heard (notifier, query API, counter,
// SQL by hand) and only once it commits. Payloads are JSON hints of a few hundred bytes (the NOTIFY
// limit is 8,000); PostgreSQL drops identical payloads within one transaction.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- Per statement and recipient, not per row: the notifier writes a whole batch's feed rows in one
    -- insert, and a NOTIFY per row cost its bursts ~12% of their throughput (bench:notifier).
    create function notify_live_feed() returns trigger language plpgsql as $$
    begin
      perform pg_notify('live_activity', json_build_object('kind', 'feed', 'organizationId', organization_id, 'recipientId', recipient_id)::text)
         from (select distinct organization_id, recipient_id from changed_rows) recipients;
      return null;
    end $$;
    create trigger in_app_notifications_live_insert after insert on in_app_notifications
      referencing new table as changed_rows for each statement execute function notify_live_feed();
    create trigger in_app_notifications_live_update after update on in_app_notifications
      referencing new table as changed_rows for each statement execute function notify_live_feed();

    create function notify_live_payment() returns trigger language plpgsql as $$
    begin
      perform pg_notify('live_activity', json_build_object(
        'kind', 'payment', 'organizationId', new.organization_id, 'scopeId', new.scope_id, 'peerMentorId', new.peer_mentor_id,
        'recordId', new.id, 'paymentStatus', new.payment_status)::text);
      return null;
    end $$;
    create trigger honorarium_records_live_payment after update of payment_status on honorarium_records
      for each row when (old.payment_status is distinct from new.payment_status) execute function notify_live_payment();

    create function notify_live_config() returns trigger language plpgsql as $$
    declare
      changed record := coalesce(new, old);
    begin
      perform pg_notify('live_activity', json_build_object(
        'kind', 'config', 'organizationId', changed.organization_id,
        'configId', case when tg_table_name = 'threshold_configs' then to_jsonb(changed) ->> 'id' end)::text);
      return null;
    end $$;
    create trigger threshold_configs_live after insert or update or delete on threshold_configs
      for each row execute function notify_live_config();
    create trigger organization_settings_live after insert or update or delete on organization_settings
      for each row execute function notify_live_config();
    create trigger scope_names_live after insert or update or delete on scope_names
      for each row execute function notify_live_config();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop trigger scope_names_live on scope_names;
    drop trigger organization_settings_live on organization_settings;
    drop trigger threshold_configs_live on threshold_configs;
    drop function notify_live_config();
    drop trigger honorarium_records_live_payment on honorarium_records;
    drop function notify_live_payment();
    drop trigger in_app_notifications_live_update on in_app_notifications;
    drop trigger in_app_notifications_live_insert on in_app_notifications;
    drop function notify_live_feed();
  `);
}

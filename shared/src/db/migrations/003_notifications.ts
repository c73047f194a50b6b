import type { Knex } from "knex";

// The notifier's state: per-organization webhooks, delivery jobs and every attempt,
// the in-app feed, and Web Push subscriptions.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table organization_webhooks (
      organization_id uuid primary key,
      url text not null constraint webhook_url_http check (url ~ '^(http|https)://'),
      -- Standard Webhooks secret: whsec_ followed by base64 of at least 24 bytes.
      secret text not null constraint webhook_secret_format check (secret ~ '^whsec_[A-Za-z0-9+/=]{32,}$'),
      enabled boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      updated_by uuid
    );
    create trigger organization_webhooks_updated_at before update on organization_webhooks
      for each row execute function set_updated_at();

    -- One job per (event, recipient, channel): a re-published event creates nothing new.
    create table notification_jobs (
      id uuid primary key default gen_random_uuid(),
      event_id uuid not null,
      kind text not null default 'threshold_crossed'
        constraint notification_kind_enum check (kind in ('threshold_crossed', 'delivery_reminder')),
      record_id uuid,
      organization_id uuid not null,
      recipient_id uuid not null,
      recipient_role text not null constraint recipient_role_enum check (recipient_role in ('coordinator', 'peer_mentor')),
      channel text not null constraint channel_enum check (channel in ('webhook', 'web_push', 'in_app')),
      payload jsonb not null,
      status text not null default 'pending'
        constraint job_status_enum check (status in ('pending', 'delivered', 'failed', 'skipped')),
      attempt_count integer not null default 0 constraint attempt_count_non_negative check (attempt_count >= 0),
      next_attempt_at timestamptz not null default now(),
      last_error text,
      -- When the source fact was recorded (the crossing's recorded_at): end-to-end latency starts here.
      source_recorded_at timestamptz,
      delivered_at timestamptz,
      failed_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint uq_notification_jobs_event_recipient_channel unique (event_id, recipient_id, channel)
    );
    create trigger notification_jobs_updated_at before update on notification_jobs
      for each row execute function set_updated_at();
    create index idx_notification_jobs_due on notification_jobs (next_attempt_at) where status = 'pending';
    create index idx_notification_jobs_org_status on notification_jobs (organization_id, status);
    create function notify_notification_jobs_due() returns trigger language plpgsql as $$
    begin
      perform pg_notify('notification_jobs_due', '');
      return null;
    end $$;
    create trigger notification_jobs_due after insert on notification_jobs
      for each statement execute function notify_notification_jobs_due();

    create table notification_attempts (
      id bigint generated always as identity primary key,
      job_id uuid not null references notification_jobs (id) on delete cascade,
      attempt_number integer not null constraint attempt_number_positive check (attempt_number > 0),
      started_at timestamptz not null,
      finished_at timestamptz not null,
      outcome text not null constraint attempt_outcome_enum check (outcome in ('delivered', 'retryable_error', 'permanent_error')),
      http_status integer,
      error text
    );
    create index idx_notification_attempts_job on notification_attempts (job_id);

    create table in_app_notifications (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null,
      recipient_id uuid not null,
      job_id uuid unique references notification_jobs (id),
      kind text not null,
      title text not null,
      body text not null,
      deep_link text,
      data jsonb not null default '{}'::jsonb,
      created_at timestamptz not null default now(),
      read_at timestamptz
    );
    create index idx_in_app_notifications_recipient on in_app_notifications (recipient_id, created_at desc);
    create index idx_in_app_notifications_unread on in_app_notifications (recipient_id) where read_at is null;

    create table push_subscriptions (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null,
      user_id uuid not null,
      endpoint text not null unique constraint push_endpoint_http check (endpoint ~ '^(http|https)://'),
      p256dh text not null,
      auth text not null,
      created_at timestamptz not null default now(),
      last_success_at timestamptz
    );
    create index idx_push_subscriptions_user on push_subscriptions (user_id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table push_subscriptions;
    drop table in_app_notifications;
    drop table notification_attempts;
    drop table notification_jobs;
    drop function notify_notification_jobs_due();
    drop table organization_webhooks;
  `);
}

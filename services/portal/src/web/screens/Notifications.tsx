import { type FormEvent, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { errorInfo } from "../api.ts";
import { useOrg, useSigned } from "../context.ts";
import { Field } from "../form.tsx";
import { formatDate, useI18n } from "../i18n.ts";
import { type PushState, currentPushState, subscribe, unsubscribe } from "../push.ts";
import { isAdmin } from "../session.ts";
import { ErrorNote, Loading, Section } from "../ui.tsx";

export function Notifications() {
  const { api, session } = useSigned();
  const { t, locale } = useI18n();
  const org = useOrg();
  const queryClient = useQueryClient();
  const feed = useQuery({ queryKey: ["notifications.list"], queryFn: () => api.notifications.list.query({ limit: 50 }) });
  const markRead = useMutation({
    mutationFn: (id: string) => api.notifications.markRead.mutate({ ids: [id] }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["notifications.list"] }),
  });
  return (
    <>
      <h1>{t.notificationsTitle}</h1>
      <PushToggle />
      {session.scopes.length > 0 && <DigestChoices scopeIds={session.scopes} />}
      <Section title={t.notificationsTitle} id="feed">
        {feed.isPending ? (
          <Loading />
        ) : feed.isError ? (
          <ErrorNote error={feed.error} />
        ) : feed.data.items.length === 0 ? (
          <p>{t.noNotifications}</p>
        ) : (
          <ul className="feed">
            {feed.data.items.map((item) => (
              <li key={item.id} className={item.readAt === null ? "unread" : undefined}>
                {item.readAt === null && <span className="badge info">{t.unread}</span>} <strong>{item.title}</strong> {item.body}{" "}
                <span className="muted">{formatDate(item.createdAt, locale, org.timeZone)}</span>{" "}
                {item.deepLink !== null && (
                  <a href={new URL(item.deepLink, window.location.origin).pathname + new URL(item.deepLink, window.location.origin).search}>
                    {t.open}
                  </a>
                )}{" "}
                {item.readAt === null && (
                  <button type="button" onClick={() => markRead.mutate(item.id)}>
                    {t.markRead}
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </Section>
      {isAdmin(session) && <Webhook />}
    </>
  );
}

/** A coordinator's daily digest per scope (preferences.digests / setDigest). */
function DigestChoices({ scopeIds }: { scopeIds: readonly string[] }) {
  const { api } = useSigned();
  const { t } = useI18n();
  const org = useOrg();
  const queryClient = useQueryClient();
  const digests = useQuery({ queryKey: ["preferences.digests"], queryFn: () => api.preferences.digests.query({}) });
  const toggle = useMutation({
    mutationFn: (choice: { scopeId: string; enabled: boolean }) => api.preferences.setDigest.mutate(choice),
    onSuccess: (next) => queryClient.setQueryData(["preferences.digests"], next),
  });
  const chosen = new Set(digests.data?.digestScopeIds ?? []);
  return (
    <Section title={t.digestTitle} id="digest">
      <p>{t.digestHelp}</p>
      {digests.isError ? (
        <ErrorNote error={digests.error} />
      ) : (
        <ul className="plain">
          {scopeIds.map((scopeId) => (
            <li key={scopeId}>
              <label>
                <input
                  type="checkbox"
                  checked={chosen.has(scopeId)}
                  disabled={digests.isPending || toggle.isPending}
                  onChange={(event) => toggle.mutate({ scopeId, enabled: event.target.checked })}
                />{" "}
                {t.digestFor(org.scopeName(scopeId))}
              </label>
            </li>
          ))}
        </ul>
      )}
      {toggle.isError && <ErrorNote error={toggle.error} />}
    </Section>
  );
}

/**
 * This browser's Web Push subscription: on, off, or why it cannot be (no support, notifications
 * blocked, no VAPID key on this installation — then there is no button).
 */
function PushToggle() {
  const { api } = useSigned();
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const key = useQuery({ queryKey: ["push.vapidPublicKey"], queryFn: () => api.push.vapidPublicKey.query(), staleTime: Infinity });
  const publicKey = key.data?.publicKey ?? null;
  const stateKey = ["push.state", publicKey];
  const state = useQuery({ queryKey: stateKey, queryFn: () => currentPushState(publicKey), enabled: key.isSuccess });
  const toggle = useMutation({
    mutationFn: async (turnOn: boolean): Promise<PushState> => {
      if (!turnOn) {
        const endpoint = await unsubscribe();
        if (endpoint !== null) await api.push.unsubscribe.mutate({ endpoint });
        return "off";
      }
      if (publicKey === null) return "no-key";
      const result = await subscribe(publicKey);
      if (result.state !== "on") return result.state;
      try {
        await api.push.subscribe.mutate(result.subscription);
      } catch (error) {
        // The notifier would never send to it: do not leave the browser subscribed.
        await unsubscribe().catch(() => null);
        throw error;
      }
      return "on";
    },
    onSuccess: (next) => queryClient.setQueryData(stateKey, next),
    onError: () => queryClient.invalidateQueries({ queryKey: stateKey }),
  });
  const messages: Record<PushState, string> = {
    unsupported: t.pushUnsupported,
    "no-key": t.pushNoKey,
    denied: t.pushDenied,
    off: t.pushOff,
    on: t.pushOn,
  };
  return (
    <Section title={t.pushTitle} id="push">
      {key.isError ? (
        <ErrorNote error={key.error} />
      ) : state.isError ? (
        <ErrorNote error={state.error} />
      ) : state.isPending ? (
        <Loading />
      ) : (
        <>
          <p role="status" className={state.data === "on" || state.data === "off" ? undefined : "muted"}>
            {messages[state.data]}
          </p>
          {(state.data === "on" || state.data === "off") && (
            <button
              type="button"
              className={state.data === "off" ? "primary" : undefined}
              disabled={toggle.isPending}
              onClick={() => toggle.mutate(state.data === "off")}
            >
              {state.data === "off" ? t.pushTurnOn : t.pushTurnOff}
            </button>
          )}
          {toggle.isError && (
            <p role="alert" className="error">
              {t.pushFailed} {errorInfo(toggle.error).message}
            </p>
          )}
        </>
      )}
    </Section>
  );
}

function Webhook() {
  const { api } = useSigned();
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const current = useQuery({ queryKey: ["webhooks.get"], queryFn: () => api.webhooks.get.query({}) });
  const [url, setUrl] = useState<string | null>(null);
  const set = useMutation({
    mutationFn: (value: string) => api.webhooks.set.mutate({ url: value }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["webhooks.get"] }),
  });
  const disable = useMutation({
    mutationFn: () => api.webhooks.disable.mutate({}),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["webhooks.get"] }),
  });
  const shown = url ?? current.data?.webhook?.url ?? "";
  const error = set.isError ? errorInfo(set.error) : null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    set.mutate(shown);
  };
  return (
    <Section title={t.webhookTitle} id="webhook">
      {current.isPending ? (
        <Loading />
      ) : current.isError ? (
        <ErrorNote error={current.error} />
      ) : (
        <form onSubmit={submit} noValidate className="grid-form">
          <p>
            {t.status}: {current.data.webhook?.enabled === true ? t.enabled : t.disabled}
          </p>
          <Field
            id="webhook-url"
            label={t.webhookUrl}
            error={error === null ? undefined : (error.fieldErrors.url?.join(" ") ?? error.message)}
          >
            {(props) => <input {...props} type="url" value={shown} onChange={(e) => setUrl(e.target.value)} />}
          </Field>
          <div className="row">
            <button type="submit" className="primary">
              {t.save}
            </button>
            <button type="button" onClick={() => disable.mutate()}>
              {t.webhookDisable}
            </button>
          </div>
        </form>
      )}
    </Section>
  );
}

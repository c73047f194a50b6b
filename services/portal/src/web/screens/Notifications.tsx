import { type FormEvent, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { errorInfo } from "../api.ts";
import { useOrg, useSigned } from "../context.ts";
import { Field } from "../form.tsx";
import { formatDate, useI18n } from "../i18n.ts";
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
      <Section title={t.notificationsTitle} id="feed">
        {/* Web Push needs the VAPID public key from the API; no procedure serves it yet, so there is no "turn on push" button. */}
        <p className="muted">{t.pushNote}</p>
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

import type { ReactNode } from "react";
import { errorInfo } from "./api.ts";
import { useI18n } from "./i18n.ts";
import { navigate } from "./router.ts";

export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  return (
    <a
      href={to}
      className={className}
      onClick={(event) => {
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p role="status" className="muted">
      {t.loading}
    </p>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  const { t } = useI18n();
  const info = errorInfo(error);
  return (
    <p role="alert" className="error">
      {info.httpStatus === 403 ? t.forbidden : `${t.errorPrefix} ${info.message}`}
    </p>
  );
}

/** A short id for display: the system knows ids, never names. */
export const shortId = (id: string | null | undefined): string => (id === null || id === undefined ? "–" : id.slice(-8));

export function Section({ title, children, id }: { title: string; children: ReactNode; id?: string }) {
  const headingId = `${id ?? title.replace(/\W+/g, "-").toLowerCase()}-heading`;
  return (
    <section aria-labelledby={headingId} className="card">
      <h2 id={headingId}>{title}</h2>
      {children}
    </section>
  );
}

import { type ReactNode, useEffect, useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { createClient } from "./api.ts";
import { OrgContext, type OrgDisplay, SignedContext, useSigned } from "./context.ts";
import { I18nContext, type Locale, MESSAGES, portalLocaleOf, useI18n } from "./i18n.ts";
import { useLiveUpdates } from "./live.ts";
import { match, navigate, useLocation } from "./router.ts";
import { type Session, clearSession, isAdmin, isCoordinator, isMentorOnly, loadSession, saveSession, sessionOf } from "./session.ts";
import { Link } from "./ui.tsx";
import { SignIn } from "./screens/SignIn.tsx";
import { Dashboard } from "./screens/Dashboard.tsx";
import { MentorCounts } from "./screens/MentorCounts.tsx";
import { Statements } from "./screens/Statements.tsx";
import { Thresholds } from "./screens/Thresholds.tsx";
import { Settings } from "./screens/Settings.tsx";
import { Bufdir } from "./screens/Bufdir.tsx";
import { Notifications } from "./screens/Notifications.tsx";

const LOCALE_KEY = "honorarium.locale";

/** A sign-in link carries the token in the fragment (#token=… or an identity provider's #access_token=…), which never reaches a server log. */
function takeTokenFromFragment(): Session | null {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const token = fragment.get("token") ?? fragment.get("access_token");
  if (token === null) return null;
  const session = sessionOf(token);
  const next = new URLSearchParams(window.location.search).get("next");
  const target =
    next !== null && next.startsWith("/") && !next.startsWith("//")
      ? next
      : window.location.pathname === "/sign-in"
        ? "/"
        : window.location.pathname + window.location.search;
  window.history.replaceState(null, "", target);
  if (session !== null) saveSession(session);
  return session;
}

export function App() {
  const [session, setSession] = useState<Session | null>(() => takeTokenFromFragment() ?? loadSession());
  const [chosen, setChosen] = useState<Locale | null>(() => {
    const stored = localStorage.getItem(LOCALE_KEY);
    return stored === "nb" || stored === "en" ? stored : null;
  });
  const [orgLocale, setOrgLocale] = useState<Locale>("nb");
  const locale = chosen ?? orgLocale;
  const i18n = useMemo(
    () => ({
      locale,
      t: MESSAGES[locale],
      setLocale: (next: Locale) => {
        localStorage.setItem(LOCALE_KEY, next);
        setChosen(next);
      },
    }),
    [locale],
  );
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);

  const signIn = (next: Session) => {
    saveSession(next);
    setSession(next);
  };
  const signOut = () => {
    clearSession();
    setSession(null);
    navigate("/sign-in", { replace: true });
  };

  return (
    <I18nContext.Provider value={i18n}>
      {session === null ? <SignIn onSignIn={signIn} /> : <SignedIn session={session} onSignOut={signOut} onOrgLocale={setOrgLocale} />}
    </I18nContext.Provider>
  );
}

function SignedIn({ session, onSignOut, onOrgLocale }: { session: Session; onSignOut: () => void; onOrgLocale: (locale: Locale) => void }) {
  const api = useMemo(() => createClient(() => session.token), [session.token]);
  const signed = useMemo(() => ({ session, api }), [session, api]);
  const settings = useQuery({
    queryKey: ["organizations.settings"],
    queryFn: () => api.organizations.settings.query({}),
    enabled: isCoordinator(session),
  });
  const orgLocale = settings.data?.locale;
  useEffect(() => {
    if (orgLocale !== undefined) onOrgLocale(portalLocaleOf(orgLocale));
  }, [orgLocale, onOrgLocale]);
  const timeZone = settings.data?.timeZone ?? "Europe/Oslo";
  const scopeNames = settings.data?.scopeNames;
  const org = useMemo((): OrgDisplay => {
    const names = new Map((scopeNames ?? []).map((scope) => [scope.scopeId, scope.displayName]));
    return { timeZone, scopeName: (scopeId) => (scopeId === null ? "–" : (names.get(scopeId) ?? scopeId.slice(-8))) };
  }, [timeZone, scopeNames]);
  return (
    <SignedContext.Provider value={signed}>
      <OrgContext.Provider value={org}>
        <Layout onSignOut={onSignOut}>
          <Routes />
        </Layout>
      </OrgContext.Provider>
    </SignedContext.Provider>
  );
}

function Layout({ children, onSignOut }: { children: ReactNode; onSignOut: () => void }) {
  const { session, api } = useSigned();
  const { t, locale, setLocale } = useI18n();
  const live = useLiveUpdates(api);
  const { pathname } = useLocation();
  const items: { to: string; label: string; show: boolean }[] = [
    { to: "/", label: t.navDashboard, show: isCoordinator(session) },
    { to: `/mentors/${session.sub}/counts`, label: t.navMyCounts, show: isMentorOnly(session) },
    { to: "/statements", label: t.navStatements, show: isCoordinator(session) },
    { to: "/admin/thresholds", label: t.navThresholds, show: isAdmin(session) },
    { to: "/admin/settings", label: t.navSettings, show: isAdmin(session) },
    { to: "/bufdir", label: t.navBufdir, show: isAdmin(session) },
    { to: "/notifications", label: t.navNotifications, show: true },
  ];
  return (
    <>
      <a className="skip-link" href="#main">
        {t.skipToContent}
      </a>
      <header className="top">
        <span className="brand">{t.appName}</span>
        <nav aria-label={t.nav}>
          <ul>
            {items
              .filter((item) => item.show)
              .map((item) => (
                <li key={item.to}>
                  <Link to={item.to} className={pathname === item.to ? "current" : undefined}>
                    {item.label}
                  </Link>
                </li>
              ))}
          </ul>
        </nav>
        <div className="tools">
          <span className={`live ${live}`} role="status">
            {live === "live" ? t.live : t.connecting}
          </span>
          <label htmlFor="locale-select">{t.language}</label>{" "}
          <select id="locale-select" value={locale} onChange={(event) => setLocale(event.target.value === "en" ? "en" : "nb")}>
            <option value="nb">Norsk bokmål</option>
            <option value="en">English</option>
          </select>
          <button type="button" onClick={onSignOut}>
            {t.signOut}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

function Forbidden() {
  const { t } = useI18n();
  return (
    <div className="card">
      <h1>{t.forbidden}</h1>
    </div>
  );
}

function Routes() {
  const { session } = useSigned();
  const { pathname, search } = useLocation();
  const { t } = useI18n();
  const mentorOnly = isMentorOnly(session);
  useEffect(() => {
    if (pathname === "/sign-in" || (pathname === "/" && mentorOnly))
      navigate(mentorOnly ? `/mentors/${session.sub}/counts` : "/", { replace: true });
  }, [pathname, mentorOnly, session.sub]);

  const mentor = match("/mentors/:id/counts", pathname);
  if (mentor !== null) {
    const id = mentor.id ?? "";
    if (mentorOnly && id !== session.sub) return <Forbidden />;
    return <MentorCounts key={id} peerMentorId={id} highlight={search.get("highlight")} />;
  }
  if (pathname === "/" || pathname === "/sign-in") return mentorOnly ? null : <Dashboard />;
  if (pathname === "/notifications") return <Notifications />;
  if (mentorOnly) return <Forbidden />;
  if (pathname === "/statements") return <Statements />;
  if (!isAdmin(session) && pathname.startsWith("/admin/")) return <Forbidden />;
  if (pathname === "/admin/thresholds") return <Thresholds />;
  if (pathname === "/admin/settings") return <Settings />;
  if (pathname === "/bufdir") return isAdmin(session) ? <Bufdir /> : <Forbidden />;
  return (
    <div className="card">
      <h1>{t.notFound}</h1>
    </div>
  );
}

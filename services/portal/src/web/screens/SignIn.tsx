import { type FormEvent, useState } from "react";
import { useI18n } from "../i18n.ts";
import { type Session, sessionOf } from "../session.ts";

export function SignIn({ onSignIn }: { onSignIn: (session: Session) => void }) {
  const { t, locale, setLocale } = useI18n();
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const session = sessionOf(token);
    if (session === null) return setError(t.badToken);
    onSignIn(session);
  };
  return (
    <main id="main" className="sign-in">
      <div className="card">
        <h1>{t.signInTitle}</h1>
        <p>{t.signInIntro}</p>
        <form onSubmit={submit} noValidate>
          <div className="field">
            <label htmlFor="token">{t.tokenLabel}</label>
            <textarea
              id="token"
              rows={4}
              value={token}
              onChange={(event) => setToken(event.target.value)}
              aria-invalid={error !== null}
              aria-describedby={error !== null ? "token-error" : undefined}
            />
            {error !== null && (
              <p id="token-error" className="field-error" role="alert">
                {error}
              </p>
            )}
          </div>
          <button type="submit" className="primary">
            {t.signInButton}
          </button>
        </form>
        <p>
          <label htmlFor="locale-select">{t.language}</label>{" "}
          <select id="locale-select" value={locale} onChange={(event) => setLocale(event.target.value === "en" ? "en" : "nb")}>
            <option value="nb">Norsk bokmål</option>
            <option value="en">English</option>
          </select>
        </p>
      </div>
    </main>
  );
}

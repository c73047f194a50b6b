import { type FormEvent, useEffect, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { errorInfo, type Outputs } from "../api.ts";
import { useSigned } from "../context.ts";
import { Field } from "../form.tsx";
import { formatMoney, useI18n } from "../i18n.ts";
import { ErrorNote, Loading, Section, shortId } from "../ui.tsx";

type OrgSettings = Outputs["organizations"]["settings"];
type OrgLocale = "nb" | "nn" | "en";
const LOCALES: OrgLocale[] = ["nb", "nn", "en"];

export function Settings() {
  const { api } = useSigned();
  const { t } = useI18n();
  const settings = useQuery({ queryKey: ["organizations.settings"], queryFn: () => api.organizations.settings.query({}) });
  return (
    <>
      <h1>{t.settingsTitle}</h1>
      {settings.isPending ? (
        <Loading />
      ) : settings.isError ? (
        <ErrorNote error={settings.error} />
      ) : (
        <SettingsForms settings={settings.data} />
      )}
    </>
  );
}

function SettingsForms({ settings }: { settings: OrgSettings }) {
  const { api } = useSigned();
  const { t, locale } = useI18n();
  const queryClient = useQueryClient();
  const [displayName, setDisplayName] = useState(settings.displayName ?? "");
  const [timeZone, setTimeZone] = useState(settings.timeZone);
  const [orgLocale, setOrgLocale] = useState<OrgLocale>(LOCALES.find((l) => l === settings.locale) ?? "nb");
  const [limit, setLimit] = useState(settings.taxFree.limitAmount);
  useEffect(() => setLimit(settings.taxFree.limitAmount), [settings.taxFree.limitAmount]);
  const refresh = () => queryClient.invalidateQueries();
  const update = useMutation({
    mutationFn: () =>
      api.organizations.update.mutate({
        displayName: displayName.trim() === "" ? null : displayName,
        locale: orgLocale,
        ...(settings.timeZoneChangeable ? { timeZone } : {}),
      }),
    onSuccess: () => void refresh(),
  });
  const setTaxLimit = useMutation({
    mutationFn: () => api.organizations.setTaxFreeLimit.mutate({ incomeYear: settings.taxFree.incomeYear, limitAmount: limit }),
    onSuccess: () => void refresh(),
  });
  const updateErrors = update.isError ? errorInfo(update.error) : null;
  const limitErrors = setTaxLimit.isError ? errorInfo(setTaxLimit.error) : null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate();
  };
  return (
    <>
      <Section title={t.settingsTitle} id="org">
        <form onSubmit={submit} noValidate className="grid-form">
          <Field id="org-displayName" label={t.displayName} error={updateErrors?.fieldErrors.displayName?.join(" ")}>
            {(props) => <input {...props} value={displayName} onChange={(e) => setDisplayName(e.target.value)} />}
          </Field>
          <Field
            id="org-timeZone"
            label={t.timeZone}
            error={
              updateErrors?.fieldErrors.timeZone?.join(" ") ??
              (updateErrors?.rule === "time_zone_fixed_after_first_count" ? updateErrors.message : undefined)
            }
          >
            {(props) => (
              <input {...props} value={timeZone} disabled={!settings.timeZoneChangeable} onChange={(e) => setTimeZone(e.target.value)} />
            )}
          </Field>
          <Field id="org-locale" label={t.locale} error={updateErrors?.fieldErrors.locale?.join(" ")}>
            {(props) => (
              <select {...props} value={orgLocale} onChange={(e) => setOrgLocale(LOCALES.find((l) => l === e.target.value) ?? "nb")}>
                <option value="nb">Norsk bokmål</option>
                <option value="nn">Norsk nynorsk</option>
                <option value="en">English</option>
              </select>
            )}
          </Field>
          {updateErrors !== null && Object.keys(updateErrors.fieldErrors).length === 0 && updateErrors.rule === null && (
            <p role="alert" className="error">
              {updateErrors.message}
            </p>
          )}
          <div role="status">{update.isSuccess && <p className="ok-note">{t.saved}</p>}</div>
          <button type="submit" className="primary" disabled={update.isPending}>
            {t.save}
          </button>
        </form>
      </Section>
      <Section title={t.taxFreeLimits} id="tax">
        <form
          className="inline"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            setTaxLimit.mutate();
          }}
        >
          <Field
            id="tax-limit"
            label={`${t.limit} ${settings.taxFree.incomeYear}`}
            error={limitErrors?.fieldErrors.limitAmount?.join(" ") ?? limitErrors?.message}
          >
            {(props) => <input {...props} value={limit} inputMode="decimal" onChange={(e) => setLimit(e.target.value)} />}
          </Field>
          <button type="submit">{t.save}</button>
        </form>
        <table>
          <thead>
            <tr>
              <th scope="col">{t.year}</th>
              <th scope="col">{t.limit}</th>
            </tr>
          </thead>
          <tbody>
            {settings.taxFree.byIncomeYear.map((row) => (
              <tr key={row.incomeYear}>
                <td>{row.incomeYear}</td>
                <td>{formatMoney(row.limitAmount, settings.currency, locale)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <Section title={t.scopeNames} id="scopes">
        {settings.scopeNames.length === 0 ? (
          <p>{t.none}</p>
        ) : (
          <ul>
            {settings.scopeNames.map((scope) => (
              <li key={scope.scopeId}>
                {shortId(scope.scopeId)}: {scope.displayName}
              </li>
            ))}
          </ul>
        )}
      </Section>
    </>
  );
}

import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { download } from "../api.ts";
import { useOrg, useSigned } from "../context.ts";
import { formatMoney, useI18n } from "../i18n.ts";
import { ErrorNote, Loading, Section } from "../ui.tsx";

const currentYear = () => Number(new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Oslo", year: "numeric" }).format(new Date()));

export function Bufdir() {
  const { api, session } = useSigned();
  const { t, locale } = useI18n();
  const org = useOrg();
  const [year, setYear] = useState(currentYear);
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const report = useQuery({ queryKey: ["bufdir.aggregate", year], queryFn: () => api.bufdir.aggregate.query({ year }) });
  return (
    <>
      <h1>{t.bufdirTitle}</h1>
      <div className="card inline">
        <div className="field">
          <label htmlFor="bufdir-year">{t.year}</label>
          <input
            id="bufdir-year"
            type="number"
            min={2000}
            max={2100}
            value={year}
            onChange={(e) => setYear(Number(e.target.value) || currentYear())}
          />
        </div>
        <button
          type="button"
          onClick={() => download("bufdir.exportCsv", { year }, session.token).catch((error: unknown) => setDownloadError(String(error)))}
        >
          {t.downloadCsv}
        </button>
        {downloadError !== null && (
          <p role="alert" className="error">
            {downloadError}
          </p>
        )}
      </div>
      {report.isPending ? (
        <Loading />
      ) : report.isError ? (
        <ErrorNote error={report.error} />
      ) : (
        <>
          <Section title={`${t.bufdirTitle} ${report.data.year}`} id="totals">
            <p className="muted">{report.data.coverage}</p>
            <dl className="figures">
              <dt>{t.activeMentors}</dt>
              <dd>{report.data.totals.activePeerMentors}</dd>
              <dt>{t.confirmedNet}</dt>
              <dd>{report.data.totals.confirmedAssignments}</dd>
              <dt>{t.mentorDays}</dt>
              <dd>{report.data.totals.mentorDays}</dd>
              <dt>{t.distinctDates}</dt>
              <dd>{report.data.totals.distinctDates}</dd>
              <dt>{t.crossings}</dt>
              <dd>{report.data.totals.crossings}</dd>
              <dt>{t.owed}</dt>
              <dd>{formatMoney(report.data.totals.honorariumTotal, "NOK", locale)}</dd>
            </dl>
          </Section>
          <Section title={t.perScope} id="by-scope">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t.scope}</th>
                  <th scope="col">{t.activeMentors}</th>
                  <th scope="col">{t.confirmedNet}</th>
                  <th scope="col">{t.mentorDays}</th>
                </tr>
              </thead>
              <tbody>
                {report.data.byScope.map((row) => (
                  <tr key={row.scopeId ?? "org"}>
                    <td>{org.scopeName(row.scopeId)}</td>
                    <td>{row.activePeerMentors}</td>
                    <td>{row.confirmedAssignments}</td>
                    <td>{row.mentorDays}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
          <Section title={t.perMonth} id="by-month">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t.month}</th>
                  <th scope="col">{t.activeMentors}</th>
                  <th scope="col">{t.confirmedNet}</th>
                  <th scope="col">{t.distinctDates}</th>
                </tr>
              </thead>
              <tbody>
                {report.data.byMonth.map((row) => (
                  <tr key={row.month}>
                    <td>{row.month}</td>
                    <td>{row.activePeerMentors}</td>
                    <td>{row.confirmedAssignments}</td>
                    <td>{row.distinctDates}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
        </>
      )}
    </>
  );
}

import { type FormEvent, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { download, errorInfo, type Inputs } from "../api.ts";
import { useOrg, useSigned } from "../context.ts";
import { formatDate, formatMoney, useI18n } from "../i18n.ts";
import { ErrorNote, Link, Loading, Section, shortId } from "../ui.tsx";

type PeriodType = Inputs["statements"]["period"]["periodType"];
const PERIOD_TYPES: PeriodType[] = ["calendar_year", "half_year", "quarter", "month"];

/** The current calendar year in the organisation's zone, as a default period key (display only). */
const thisYear = () => new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Oslo", year: "numeric" }).format(new Date());

export function Statements() {
  const { api, session } = useSigned();
  const { t, locale } = useI18n();
  const org = useOrg();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<{ periodType: PeriodType; periodKey: string }>({ periodType: "calendar_year", periodKey: thisYear() });
  const [selection, setSelection] = useState(draft);
  const statement = useQuery({
    queryKey: ["statements.period", selection],
    queryFn: () => api.statements.period.query({ ...selection, page: 1, pageSize: 200 }),
  });
  const batches = useQuery({ queryKey: ["payouts.list"], queryFn: () => api.payouts.list.query({ page: 1, pageSize: 50 }) });
  const create = useMutation({
    mutationFn: () => api.payouts.create.mutate({ ...selection }),
    onSuccess: () => queryClient.invalidateQueries(),
  });
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const save = (procedure: string, input: unknown) => {
    setDownloadError(null);
    download(procedure, input, session.token).catch((error: unknown) => setDownloadError(String(error)));
  };
  const show = (event: FormEvent) => {
    event.preventDefault();
    setSelection(draft);
  };
  return (
    <>
      <h1>{t.navStatements}</h1>
      <Section title={t.statementsTitle} id="statement">
        <form className="inline" onSubmit={show}>
          <div className="field">
            <label htmlFor="periodType">{t.periodType}</label>
            <select
              id="periodType"
              value={draft.periodType}
              onChange={(e) => setDraft({ ...draft, periodType: PERIOD_TYPES.find((p) => p === e.target.value) ?? "calendar_year" })}
            >
              {PERIOD_TYPES.map((p) => (
                <option key={p} value={p}>
                  {t.periodTypes[p] ?? p}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="periodKey">{t.periodKey}</label>
            <input id="periodKey" value={draft.periodKey} onChange={(e) => setDraft({ ...draft, periodKey: e.target.value })} />
          </div>
          <button type="submit">{t.show}</button>
          <button type="button" onClick={() => save("statements.exportCsv", selection)}>
            {t.downloadCsv}
          </button>
        </form>
        {downloadError !== null && (
          <p role="alert" className="error">
            {downloadError}
          </p>
        )}
        {statement.isPending ? (
          <Loading />
        ) : statement.isError ? (
          <ErrorNote error={statement.error} />
        ) : statement.data.lines.items.length === 0 ? (
          <p>{t.none}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{t.mentor}</th>
                <th scope="col">{t.scope}</th>
                <th scope="col">{t.count}</th>
                <th scope="col">{t.owed}</th>
                <th scope="col">{t.paid}</th>
                <th scope="col">{t.outstanding}</th>
              </tr>
            </thead>
            <tbody>
              {statement.data.lines.items.map((line) => (
                <tr key={`${line.peerMentorId}-${line.scopeId ?? ""}`}>
                  <td>
                    <Link to={`/mentors/${line.peerMentorId}/counts`}>{shortId(line.peerMentorId)}</Link>
                  </td>
                  <td>{org.scopeName(line.scopeId)}</td>
                  <td>{line.count}</td>
                  <td>{formatMoney(line.owed, line.currency, locale)}</td>
                  <td>{formatMoney(line.paid, line.currency, locale)}</td>
                  <td>{formatMoney(line.outstanding, line.currency, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <Section title={t.payoutsTitle} id="payouts">
        <button type="button" onClick={() => create.mutate()} disabled={create.isPending}>
          {t.createBatch} ({selection.periodKey})
        </button>
        {create.isError && (
          <p role="alert" className="error">
            {errorInfo(create.error).message}
          </p>
        )}
        {batches.isPending ? (
          <Loading />
        ) : batches.isError ? (
          <ErrorNote error={batches.error} />
        ) : batches.data.items.length === 0 ? (
          <p>{t.noBatches}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{t.batch}</th>
                <th scope="col">{t.created}</th>
                <th scope="col">{t.status}</th>
                <th scope="col">{t.total}</th>
                <th scope="col">{t.markPaid} / CSV</th>
              </tr>
            </thead>
            <tbody>
              {batches.data.items.map((batch) => (
                <tr key={batch.id}>
                  <td>{shortId(batch.id)}</td>
                  <td>{formatDate(batch.createdAt, locale, org.timeZone)}</td>
                  <td>{t.paymentStatus[batch.status] ?? batch.status}</td>
                  <td>{formatMoney(batch.totalAmount, batch.currency, locale)}</td>
                  <td>
                    {batch.status === "processing" && <MarkPaid batchId={batch.id} />}
                    <button
                      type="button"
                      onClick={() => save("payouts.export", { batchId: batch.id })}
                      aria-label={`${t.downloadCsv} ${t.batch.toLowerCase()} ${shortId(batch.id)}`}
                    >
                      {t.downloadCsv}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </>
  );
}

/** The payroll paid the batch: its records move to paid with the reference and the day the money went out. */
function MarkPaid({ batchId }: { batchId: string }) {
  const { api } = useSigned();
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [reference, setReference] = useState("");
  const [paidOn, setPaidOn] = useState("");
  const mark = useMutation({
    mutationFn: () => api.payouts.markPaid.mutate({ batchId, paymentReference: reference, paidOn }),
    onSuccess: () => queryClient.invalidateQueries(),
  });
  const error = mark.isError ? errorInfo(mark.error) : null;
  return (
    <form
      className="inline"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        mark.mutate();
      }}
    >
      <input
        aria-label={`${t.paymentReference} ${shortId(batchId)}`}
        placeholder={t.paymentReference}
        value={reference}
        onChange={(e) => setReference(e.target.value)}
      />
      <input aria-label={`${t.paidOn} ${shortId(batchId)}`} type="date" value={paidOn} onChange={(e) => setPaidOn(e.target.value)} />
      <button type="submit" disabled={mark.isPending}>
        {t.markPaid}
      </button>
      {error !== null && (
        <p role="alert" className="error">
          {Object.values(error.fieldErrors).flat().join(" ") || error.message}
        </p>
      )}
    </form>
  );
}

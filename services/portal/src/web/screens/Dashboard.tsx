import { type ReactNode, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { errorInfo } from "../api.ts";
import type { Outputs } from "../api.ts";
import { useOrg, useSigned } from "../context.ts";
import { formatDate, formatMoney, useI18n } from "../i18n.ts";
import { ErrorNote, Link, Loading, Section, shortId } from "../ui.tsx";

type Board = Outputs["counts"]["dashboard"];
type RecordRow = Board["actionRequired"]["items"][number];

const mentorLink = (id: string, highlight?: string) => `/mentors/${id}/counts${highlight === undefined ? "" : `?highlight=${highlight}`}`;

export function Dashboard() {
  const { api } = useSigned();
  const { t } = useI18n();
  const board = useQuery({
    queryKey: ["counts.dashboard"],
    queryFn: () => api.counts.dashboard.query({ page: 1, pageSize: 100, sortBy: "urgency" }),
  });
  return (
    <>
      <h1>{t.dashboardTitle}</h1>
      {board.isPending ? <Loading /> : board.isError ? <ErrorNote error={board.error} /> : <Board board={board.data} />}
    </>
  );
}

function Board({ board }: { board: Board }) {
  const { t, locale } = useI18n();
  return (
    <div className="board" data-testid="dashboard">
      {board.allUpToDate && (
        <p className="ok-note" role="status">
          {t.allUpToDate}
        </p>
      )}
      <Section title={t.actionRequired} id="action-required">
        <RecordTable rows={board.actionRequired.items} dateLabel={t.reachedAt} date={(row) => row.reachedAt} />
        <Shown page={board.actionRequired} />
      </Section>
      <Section title={t.approaching} id="approaching">
        <p className="muted">{t.approachingHint}</p>
        {board.approaching.items.length === 0 ? (
          <p>{t.none}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{t.mentor}</th>
                <th scope="col">{t.period}</th>
                <th scope="col">{t.count}</th>
                <th scope="col">{t.nextTier}</th>
                <th scope="col">{t.remaining}</th>
              </tr>
            </thead>
            <tbody>
              {board.approaching.items.map((row) => (
                <tr key={`${row.peerMentorId}-${row.scopeId ?? ""}-${row.periodKey}`}>
                  <td>
                    <Link to={mentorLink(row.peerMentorId)}>{shortId(row.peerMentorId)}</Link>
                  </td>
                  <td>{row.periodKey}</td>
                  <td>{row.count}</td>
                  <td>
                    {row.nextTierName} ({row.nextThreshold})
                  </td>
                  <td>{row.remaining}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Shown page={board.approaching} />
      </Section>
      <Section title={t.flagged} id="flagged">
        <RecordTable
          rows={board.flaggedForReview.items}
          dateLabel={t.flaggedAt}
          date={(row) => row.flaggedAt}
          action={(row) => <ResolveReview recordId={row.recordId} />}
        />
        <Shown page={board.flaggedForReview} />
      </Section>
      <Section title={t.nearTax} id="near-tax">
        {board.nearTaxFreeLimit.items.length === 0 ? (
          <p>{t.none}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{t.mentor}</th>
                <th scope="col">{t.yearToDate}</th>
                <th scope="col">{t.limit}</th>
                <th scope="col">{t.status}</th>
              </tr>
            </thead>
            <tbody>
              {board.nearTaxFreeLimit.items.map((row) => (
                <tr key={row.peerMentorId}>
                  <td>
                    <Link to={mentorLink(row.peerMentorId)}>{shortId(row.peerMentorId)}</Link>
                  </td>
                  <td>{formatMoney(row.honorariumYearToDate, "NOK", locale)}</td>
                  <td>{formatMoney(row.taxFreeLimit, "NOK", locale)}</td>
                  <td>{row.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </div>
  );
}

/** The dashboard shows each section's first page; the statement has every mentor. */
function Shown({ page }: { page: { items: unknown[]; total: number } }) {
  const { t } = useI18n();
  if (page.total <= page.items.length) return null;
  return (
    <p className="muted">
      {t.shownOf(page.items.length, page.total)} <Link to="/statements">{t.navStatements}</Link>
    </p>
  );
}

function RecordTable({
  rows,
  dateLabel,
  date,
  action,
}: {
  rows: RecordRow[];
  dateLabel: string;
  date: (row: RecordRow) => string | null;
  action?: (row: RecordRow) => ReactNode;
}) {
  const { t, locale } = useI18n();
  const org = useOrg();
  if (rows.length === 0) return <p>{t.none}</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{t.mentor}</th>
          <th scope="col">{t.tier}</th>
          <th scope="col">{t.period}</th>
          <th scope="col">{t.amountDue}</th>
          <th scope="col">{dateLabel}</th>
          <th scope="col">{t.status}</th>
          {action !== undefined && <th scope="col">{t.resolveReview}</th>}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.recordId}>
            <td>
              <Link to={mentorLink(row.peerMentorId, row.recordId)}>{shortId(row.peerMentorId)}</Link>
            </td>
            <td>
              {row.tierName ?? "–"} ({row.thresholdCount})
            </td>
            <td>{row.periodKey}</td>
            <td>{formatMoney(row.amountDue, row.currency, locale)}</td>
            <td>{formatDate(date(row), locale, org.timeZone)}</td>
            <td>{t.paymentStatus[row.paymentStatus] ?? row.paymentStatus}</td>
            {action !== undefined && <td>{action(row)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A flagged crossing (a cancellation took the count below its tier): say how it was resolved. */
function ResolveReview({ recordId }: { recordId: string }) {
  const { api } = useSigned();
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [resolution, setResolution] = useState("");
  const resolve = useMutation({
    mutationFn: () => api.records.resolveReview.mutate({ recordId, resolution }),
    onSuccess: () => queryClient.invalidateQueries(),
  });
  const error = resolve.isError ? errorInfo(resolve.error) : null;
  return (
    <form
      className="inline"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        resolve.mutate();
      }}
    >
      <input
        aria-label={`${t.resolution} ${shortId(recordId)}`}
        placeholder={t.resolution}
        value={resolution}
        onChange={(e) => setResolution(e.target.value)}
      />
      <button type="submit" disabled={resolve.isPending}>
        {t.resolveReview}
      </button>
      {error !== null && (
        <p role="alert" className="error">
          {error.fieldErrors.resolution?.join(" ") ?? error.message}
        </p>
      )}
    </form>
  );
}

import { useEffect } from "react";
import { useQuery } from "@tanstack/react-query";
import type { Outputs } from "../api.ts";
import { useOrg, useSigned } from "../context.ts";
import { formatDate, formatMoney, useI18n } from "../i18n.ts";
import { ErrorNote, Loading, Section, shortId } from "../ui.tsx";

type Counts = Outputs["counts"]["forMentor"];
type Period = Counts["scopes"][number]["periods"][number];

export function MentorCounts({ peerMentorId, highlight }: { peerMentorId: string; highlight: string | null }) {
  const { api } = useSigned();
  const { t } = useI18n();
  const counts = useQuery({
    queryKey: ["counts.forMentor", peerMentorId],
    queryFn: () => api.counts.forMentor.query({ peerMentorId }),
  });
  const history = useQuery({
    queryKey: ["milestones.history", peerMentorId],
    queryFn: () => api.milestones.history.query({ peerMentorId }),
  });
  useEffect(() => {
    if (highlight === null || history.data === undefined) return;
    document.getElementById(`milestone-${highlight}`)?.scrollIntoView({ block: "center" });
  }, [highlight, history.data]);

  return (
    <>
      <h1>
        {t.countTitle}: {t.mentor.toLowerCase()} {shortId(peerMentorId)}
      </h1>
      {counts.isPending ? <Loading /> : counts.isError ? <ErrorNote error={counts.error} /> : <CountPanel counts={counts.data} />}
      <Section title={t.historyTitle} id="history">
        {history.isPending ? (
          <Loading />
        ) : history.isError ? (
          <ErrorNote error={history.error} />
        ) : history.data.empty ? (
          <p>{t.noMilestones}</p>
        ) : (
          <History milestones={history.data.milestones} highlight={highlight} />
        )}
      </Section>
    </>
  );
}

function CountPanel({ counts }: { counts: Counts }) {
  const { t, locale } = useI18n();
  return (
    <>
      <div className="card count-hero">
        <p className="big-count" data-testid="year-count" aria-live="polite">
          <span className="number">{counts.confirmedThisYear}</span> {t.confirmedAssignments} {t.thisYear}
        </p>
        <p className="muted">
          {t.taxTitle}:{" "}
          {t.taxLine(
            formatMoney(counts.taxFree.honorariumYearToDate, "NOK", locale),
            formatMoney(counts.taxFree.taxFreeLimit, "NOK", locale),
          )}
        </p>
      </div>
      {!counts.hasThresholds && <p>{t.noThresholds}</p>}
      {counts.scopes.map((scope) =>
        scope.periods.map((period) => (
          <PeriodCard key={`${scope.scopeId ?? "org"}-${period.periodType}-${period.periodKey}`} scopeId={scope.scopeId} period={period} />
        )),
      )}
    </>
  );
}

/** Spec 001's Honorarium Threshold Widget: a progress indicator a screen reader reads as numbers. */
function ThresholdWidget({ period }: { period: Period }) {
  const { t } = useI18n();
  const reached = period.tiers.filter((tier) => tier.reached);
  const last = period.tiers.at(-1);
  const target = period.next?.thresholdCount ?? last?.thresholdCount ?? 0;
  const tierName = period.next?.name ?? last?.name ?? "";
  const value = Math.min(period.count, target);
  const label = t.progressLabel(period.count, target, tierName);
  const previous = reached.at(-1)?.thresholdCount ?? 0;
  const percent = target === 0 ? 0 : Math.round((value / target) * 100);
  return (
    <div className="widget">
      <div
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={target}
        aria-valuenow={value}
        aria-valuetext={label}
        aria-label={label}
        className="bar"
        data-previous={previous}
      >
        <div className="fill" style={{ width: `${percent}%` }} />
      </div>
      <p className="bar-label">{label}</p>
      <p className="muted">{period.remaining === null ? t.allTiersReached : t.remainingLine(period.remaining)}</p>
    </div>
  );
}

function PeriodCard({ scopeId, period }: { scopeId: string | null; period: Period }) {
  const { t, locale } = useI18n();
  const org = useOrg();
  const headingId = `period-${scopeId ?? "org"}-${period.periodKey}`;
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>
        {t.period} {period.periodKey}
        {scopeId !== null && (
          <span className="muted">
            {" "}
            · {t.scope} {org.scopeName(scopeId)}
          </span>
        )}
      </h2>
      <p className="period-count">
        <span className="number" data-testid="period-count">
          {period.count}
        </span>{" "}
        {t.confirmedAssignments}
      </p>
      {period.tiers.length > 0 && <ThresholdWidget period={period} />}
      <h3>{t.tiersTitle}</h3>
      <ul className="tiers">
        {period.tiers.map((tier) => (
          <li key={tier.configId} className={tier.reached ? "reached" : undefined}>
            <strong>{tier.name}</strong> ({tier.thresholdCount}) · {t.rate} {formatMoney(tier.honorariumAmount, tier.currency, locale)} ·{" "}
            {tier.reached ? (
              <>
                <span className="badge ok">{t.achieved}</span> {formatDate(tier.reachedAt, locale, org.timeZone)} · {t.amountDue}{" "}
                {formatMoney(tier.amountDue, tier.currency, locale)}
              </>
            ) : (
              <span className="badge">{t.notYet}</span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function History({ milestones, highlight }: { milestones: Outputs["milestones"]["history"]["milestones"]; highlight: string | null }) {
  const { t, locale } = useI18n();
  const org = useOrg();
  return (
    <ol className="milestones">
      {milestones.map((m) => {
        const marked = m.recordId === highlight;
        return (
          <li
            key={m.recordId}
            id={`milestone-${m.recordId}`}
            className={marked ? "highlight" : undefined}
            aria-current={marked ? "true" : undefined}
            data-record-id={m.recordId}
          >
            {marked && <span className="badge info">{t.highlighted}</span>} <strong>{m.tierName}</strong> ({m.thresholdCount}) ·{" "}
            {formatDate(m.reachedAt, locale, org.timeZone)} · {t.period} {m.periodKey} · {t.rate}{" "}
            {formatMoney(m.honorariumRate, m.currency, locale)} · {t.amountDue} {formatMoney(m.amountDue, m.currency, locale)} ·{" "}
            {t.paymentStatus[m.paymentStatus] ?? m.paymentStatus}
          </li>
        );
      })}
    </ol>
  );
}

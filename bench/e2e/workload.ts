/**
 * The end-to-end stream and its ground truth.
 *
 * The stream is generated from a seed; the ground truth is computed here, directly from the
 * produced events, with its own calendar arithmetic (Intl in Europe/Oslo) and its own tier
 * rules — nothing from the counter or the shared domain code — so a bug there cannot hide.
 */
import type { AssignmentCancelled, AssignmentConfirmed } from "@honorarium/shared/contracts";
import { createHash } from "node:crypto";

export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A valid v4-shaped UUID derived from text (reproducible ids without a registry of them). */
export function uuidFrom(text: string): string {
  const hex = createHash("sha1").update(text).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export type PeriodType = "calendar_year" | "half_year" | "quarter";

export interface TierSpec {
  name: string;
  count: number;
  order: number;
  amount: string;
  level: "office_honorarium" | "higher_rate" | "custom";
  periodType: PeriodType;
  cumulative: boolean;
}

export interface OrgSpec {
  key: string;
  id: string;
  adminId: string;
  timeZone: string;
  scopes: (string | null)[];
  tiers: TierSpec[];
}

export interface Mentor {
  id: string;
  org: OrgSpec;
  scopes: (string | null)[];
}

export type ConfirmEvent = AssignmentConfirmed;

export type CancelEvent = AssignmentCancelled;

/** One message to produce: a valid event (kept for the truth) or poison (bytes only). */
export type StreamItem =
  | { kind: "confirm"; event: ConfirmEvent; duplicate: boolean }
  | { kind: "cancel"; event: CancelEvent }
  | { kind: "poison"; key: string; value: string; why: string };

export interface Stream {
  orgs: OrgSpec[];
  mentors: Mentor[];
  calendar: StreamCalendar;
  /** Phase 1: cancellations that arrive before their confirmation (tombstones), plus poison. */
  earlyCancels: StreamItem[];
  /** Phase 2: confirmations (with duplicates, late events and poison), produced under faults. */
  confirms: StreamItem[];
  /** Phase 3: cancellations of counted assignments, plus poison. */
  lateCancels: StreamItem[];
  stats: Record<string, number>;
}

export const coordinatorOf = (scope: string | null, org: OrgSpec) => uuidFrom(`coordinator/${org.id}/${scope ?? "org"}`);

export function defineOrgs(tag: string): OrgSpec[] {
  const org = (key: string, scopes: number) => {
    const id = uuidFrom(`${tag}/org/${key}`);
    return {
      key,
      id,
      adminId: uuidFrom(`${tag}/admin/${key}`),
      timeZone: "Europe/Oslo",
      scopes: scopes === 0 ? [null] : Array.from({ length: scopes }, (_, i) => uuidFrom(`${tag}/scope/${key}/${i}`)),
    };
  };
  return [
    {
      // Blindeforbundet-like: office honorarium at the 3rd, higher rate at the 15th, per calendar year and RK scope.
      ...org("blindeforbundet", 8),
      tiers: [
        {
          name: "Kontorhonorar",
          count: 3,
          order: 1,
          amount: "500.00",
          level: "office_honorarium",
          periodType: "calendar_year",
          cumulative: false,
        },
        {
          name: "Høyere sats",
          count: 15,
          order: 2,
          amount: "1500.00",
          level: "higher_rate",
          periodType: "calendar_year",
          cumulative: false,
        },
      ],
    },
    {
      // Half-year periods, whole organization (scope null), cumulative tiers.
      ...org("halfyear", 0),
      tiers: [
        { name: "Halvår 5", count: 5, order: 1, amount: "300.00", level: "office_honorarium", periodType: "half_year", cumulative: true },
        { name: "Halvår 12", count: 12, order: 2, amount: "800.00", level: "higher_rate", periodType: "half_year", cumulative: true },
      ],
    },
    {
      // Quarters, three tiers, three scopes.
      ...org("quarterly", 3),
      tiers: [
        { name: "Kvartal 2", count: 2, order: 1, amount: "100.00", level: "custom", periodType: "quarter", cumulative: false },
        { name: "Kvartal 5", count: 5, order: 2, amount: "250.00", level: "custom", periodType: "quarter", cumulative: false },
        { name: "Kvartal 9", count: 9, order: 3, amount: "400.00", level: "custom", periodType: "quarter", cumulative: false },
      ],
    },
  ];
}

export interface StreamOptions {
  seed: number;
  mentors: number;
  confirmations: number;
  /** Share of confirmations that are duplicates (half re-sent as is, half under a new eventId). */
  duplicateShare: number;
  /** Cancellations per confirmation. */
  cancelShare: number;
  /** Poison messages per valid message. */
  poisonShare: number;
  /** Share of the distinct confirmations in the last 40% of the stream that are dated in the previous year. */
  lateShare: number;
  /**
   * The clock the stream is dated by (epoch ms; the caller passes Date.now() or a fixed instant).
   * Every date is relative to it, so the stream always spans the current period, last year,
   * and the last New Year — whatever day the suite runs on.
   */
  now: number;
}

export interface StreamCalendar {
  /** Confirmations are spread over [start, end]. */
  start: number;
  end: number;
  /** Late (offline-synced) confirmations are dated from here, in the autumn of the previous year. */
  lateFrom: number;
  /** The last New Year's Eve at least a day before `now`, 21:00Z (22:00 in Oslo). */
  newYearEve: number;
  /** When every late cancellation happened. */
  cancelledAt: string;
  /** The calendar years (in Oslo) the stream's confirmations fall in, oldest first. */
  years: number[];
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** The dates of a stream generated at `now`: 15 months back to an hour ago. */
export function streamCalendar(now: number): StreamCalendar {
  const end = now - HOUR;
  const start = end - 450 * DAY;
  const year = new Date(now).getUTCFullYear();
  const eveOf = (y: number) => Date.UTC(y - 1, 11, 31, 21);
  const newYearEve = eveOf(year) + 5 * HOUR <= now - DAY ? eveOf(year) : eveOf(year - 1);
  const yearIn = (at: number) => Number(localDate(new Date(at).toISOString(), "Europe/Oslo").slice(0, 4));
  const [startYear, endYear] = [yearIn(start), yearIn(end)];
  return {
    start,
    end,
    lateFrom: Math.max(start, Date.UTC(year - 1, 8, 15)),
    newYearEve,
    cancelledAt: new Date(now - HOUR / 2).toISOString(),
    years: Array.from({ length: endYear - startYear + 1 }, (_, i) => startYear + i),
  };
}

function poisonValue(random: () => number, mentor: string, topic: "confirm" | "cancel"): { value: string; why: string } {
  const roll = random();
  if (roll < 0.35) return { value: `{"eventId": "${mentor}", truncated`, why: "not_json" };
  if (roll < 0.45) return { value: "", why: "not_json" };
  if (roll < 0.7)
    return topic === "confirm"
      ? { value: JSON.stringify({ eventId: uuidFrom(`p/${roll}`), peerMentorId: mentor }), why: "schema" }
      : { value: JSON.stringify({ eventId: uuidFrom(`p/${roll}`), assignmentId: "not-a-uuid", peerMentorId: mentor }), why: "schema" };
  if (roll < 0.85) return { value: JSON.stringify([1, 2, 3]), why: "schema" };
  return {
    value: JSON.stringify({
      eventId: uuidFrom(`p/${roll}`),
      assignmentId: uuidFrom(`pa/${roll}`),
      peerMentorId: mentor,
      organizationId: uuidFrom(`po/${roll}`),
      scopeId: null,
      coordinatorId: uuidFrom(`pc/${roll}`),
      confirmedAt: "yesterday",
      cancelledAt: "yesterday",
    }),
    why: "schema",
  };
}

export function generateStream(tag: string, options: StreamOptions): Stream {
  const random = seededRandom(options.seed);
  const calendar = streamCalendar(options.now);
  const orgs = defineOrgs(tag);
  const [blind, half, quarter] = orgs as [OrgSpec, OrgSpec, OrgSpec];
  const mentors: Mentor[] = Array.from({ length: options.mentors }, (_, i) => {
    const org = i % 4 < 2 ? blind : i % 4 === 2 ? half : quarter;
    const first = Math.floor(random() * org.scopes.length);
    const scopes =
      org === blind
        ? [org.scopes[first] ?? null, org.scopes[(first + 1 + Math.floor(random() * 7)) % 8] ?? null]
        : [org.scopes[first] ?? null];
    return { id: uuidFrom(`${tag}/mentor/${i}`), org, scopes };
  });
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  // Activity is skewed: a few very active mentors, many occasional ones (some stay below every threshold).
  const pickMentor = () => mentors[Math.floor(mentors.length * random() ** 1.6)] as Mentor;

  const duplicates = Math.round(options.confirmations * options.duplicateShare);
  const distinctCount = options.confirmations - duplicates;
  const stats: Record<string, number> = { lateEvents: 0, newYearEvents: 0 };
  const distinct: { pos: number; event: ConfirmEvent }[] = [];
  for (let i = 0; i < distinctCount; i++) {
    const mentor = pickMentor();
    const f = i / distinctCount;
    let at: number;
    if (f > 0.6 && random() < options.lateShare) {
      // Offline sync: confirmed in the autumn of the previous year, arriving now.
      at = Math.min(calendar.end, calendar.lateFrom + Math.floor(random() * 100 * DAY));
      stats.lateEvents = (stats.lateEvents ?? 0) + 1;
    } else if (random() < 0.03) {
      // Around New Year: 23:00Z on 31 December is already the next year in Oslo.
      at = calendar.newYearEve + Math.floor(random() * 5 * HOUR);
      stats.newYearEvents = (stats.newYearEvents ?? 0) + 1;
    } else {
      const { start, end } = calendar;
      at = Math.min(end, Math.max(start, start + f * (end - start) + (random() - 0.5) * 6 * DAY));
    }
    const scope = pick(mentor.scopes);
    distinct.push({
      pos: i,
      event: {
        eventId: uuidFrom(`${tag}/confirm/${i}`),
        assignmentId: uuidFrom(`${tag}/assignment/${i}`),
        peerMentorId: mentor.id,
        organizationId: mentor.org.id,
        scopeId: scope,
        coordinatorId: coordinatorOf(scope, mentor.org),
        confirmedAt: new Date(at).toISOString(),
      },
    });
  }
  const ordered: { pos: number; item: StreamItem }[] = distinct.map(({ pos, event }) => ({
    pos,
    item: { kind: "confirm", event, duplicate: false },
  }));
  for (let d = 0; d < duplicates; d++) {
    const original = distinct[Math.floor(random() * distinct.length)] as (typeof distinct)[number];
    const sameEvent = d % 2 === 0;
    const event = sameEvent ? original.event : { ...original.event, eventId: uuidFrom(`${original.event.eventId}/again/${d}`) };
    ordered.push({ pos: original.pos + 1 + random() * 3000, item: { kind: "confirm", event, duplicate: true } });
  }
  const totalCancels = Math.round(options.confirmations * options.cancelShare);
  const valid = options.confirmations + totalCancels;
  const poisonTotal = Math.round(valid * options.poisonShare);
  const poisonConfirm = Math.round(poisonTotal * 0.8);
  for (let p = 0; p < poisonConfirm; p++) {
    const { value, why } = poisonValue(random, pickMentor().id, "confirm");
    ordered.push({ pos: random() * distinctCount, item: { kind: "poison", key: pickMentor().id, value, why } });
  }
  ordered.sort((a, b) => a.pos - b.pos);

  // Cancellations: a fifth arrive before their confirmation (tombstones), the rest after everything is counted.
  const chosen = new Set<number>();
  while (chosen.size < totalCancels) chosen.add(Math.floor(random() * distinct.length));
  const chosenList = [...chosen];
  const early = Math.round(totalCancels / 5);
  const cancelOf = (index: number, suffix: string): StreamItem => {
    const event = (distinct[index] as (typeof distinct)[number]).event;
    return {
      kind: "cancel",
      event: {
        eventId: uuidFrom(`${event.eventId}/${suffix}`),
        assignmentId: event.assignmentId,
        peerMentorId: event.peerMentorId,
        organizationId: event.organizationId,
        cancelledAt: calendar.cancelledAt,
        reason: "e2e",
      },
    };
  };
  const cancelPoison = poisonTotal - poisonConfirm;
  const poisonCancels = (n: number): StreamItem[] =>
    Array.from({ length: n }, () => {
      const { value, why } = poisonValue(random, pickMentor().id, "cancel");
      return { kind: "poison", key: pickMentor().id, value, why };
    });
  const earlyCancels = [...chosenList.slice(0, early).map((i) => cancelOf(i, "early")), ...poisonCancels(Math.floor(cancelPoison / 2))];
  const lateCancels = [
    ...chosenList.slice(early).map((i) => cancelOf(i, "late")),
    ...poisonCancels(cancelPoison - Math.floor(cancelPoison / 2)),
  ];
  stats.distinctConfirmations = distinctCount;
  stats.duplicates = duplicates;
  stats.cancellations = totalCancels;
  stats.tombstoneCancellations = early;
  stats.poison = poisonTotal;
  return { orgs, mentors, calendar, earlyCancels, confirms: ordered.map((o) => o.item), lateCancels, stats };
}

// ---------- ground truth ----------

const osloParts = new Map<string, Intl.DateTimeFormat>();
/** Local calendar date (YYYY-MM-DD) of an instant in a time zone, by Intl, not by the shared domain code. */
export function localDate(iso: string, timeZone: string): string {
  let format = osloParts.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    osloParts.set(timeZone, format);
  }
  return format.format(new Date(iso));
}

export function periodOfMonth(periodType: PeriodType, month: string): string {
  const year = month.slice(0, 4);
  const m = Number(month.slice(5, 7));
  if (periodType === "calendar_year") return year;
  if (periodType === "half_year") return `${year}-H${m <= 6 ? 1 : 2}`;
  return `${year}-Q${Math.ceil(m / 3)}`;
}

export interface ExpectedCrossing {
  key: string;
  organizationId: string;
  scopeId: string | null;
  peerMentorId: string;
  periodType: PeriodType;
  periodKey: string;
  fiscalYear: number;
  tierOrder: number;
  tierName: string;
  thresholdCount: number;
  amount: string;
  cumulative: boolean;
  triggerAssignmentId: string;
  reachedAt: string;
  needsReview: boolean;
  /** What the record owes, in øre: its rate where tiers add up, the top-up over lower tiers where a higher one replaces them. */
  amountDueCents: number;
}

export interface Truth {
  /** org|scope|mentor|month → net confirmed count (zeros left out). */
  monthCounts: Map<string, number>;
  crossings: Map<string, ExpectedCrossing>;
  /** org|year → figures for bufdir.aggregate. */
  bufdir: Map<
    string,
    {
      confirmed: number;
      activeMentors: number;
      activityDays: number;
      cancelled: number;
      byMonth: Map<string, number>;
      byScope: Map<string, number>;
      tiers: Map<string, { crossings: number; total: number }>;
    }
  >;
  /** Assignment ids whose first confirmation counts (for latency: produce time of the trigger). */
  countedAssignments: number;
}

export const crossingKey = (org: string, scope: string | null, mentor: string, periodType: string, periodKey: string, tierOrder: number) =>
  `${org}|${scope ?? "-"}|${mentor}|${periodType}|${periodKey}|${tierOrder}`;

const cents = (amount: string) => Math.round(Number(amount) * 100);

export function computeTruth(stream: Stream): Truth {
  const orgs = new Map(stream.orgs.map((org) => [org.id, org]));
  const tombstoned = new Set<string>();
  for (const item of stream.earlyCancels)
    if (item.kind === "cancel") tombstoned.add(`${item.event.assignmentId}/${item.event.peerMentorId}`);
  const cancelledLater = new Set<string>();
  for (const item of stream.lateCancels)
    if (item.kind === "cancel") cancelledLater.add(`${item.event.assignmentId}/${item.event.peerMentorId}`);

  const seen = new Set<string>();
  const running = new Map<string, number>();
  const crossings = new Map<string, ExpectedCrossing>();
  const counted: { event: ConfirmEvent; month: string; date: string; cancelled: boolean }[] = [];
  const confirmedTombstones: { event: ConfirmEvent; month: string }[] = [];
  for (const item of stream.confirms) {
    if (item.kind !== "confirm") continue;
    const event = item.event;
    const ledgerKey = `${event.assignmentId}/${event.peerMentorId}`;
    if (seen.has(ledgerKey)) continue;
    seen.add(ledgerKey);
    const org = orgs.get(event.organizationId) as OrgSpec;
    const date = localDate(event.confirmedAt, org.timeZone);
    const month = date.slice(0, 7);
    if (tombstoned.has(ledgerKey)) {
      confirmedTombstones.push({ event, month });
      continue;
    }
    counted.push({ event, month, date, cancelled: cancelledLater.has(ledgerKey) });
    for (const tier of org.tiers) {
      const periodKey = periodOfMonth(tier.periodType, month);
      const key = crossingKey(org.id, event.scopeId, event.peerMentorId, tier.periodType, periodKey, tier.order);
      const after = (running.get(key) ?? 0) + 1;
      running.set(key, after);
      if (after === tier.count) {
        crossings.set(key, {
          key,
          organizationId: org.id,
          scopeId: event.scopeId,
          peerMentorId: event.peerMentorId,
          periodType: tier.periodType,
          periodKey,
          fiscalYear: Number(periodKey.slice(0, 4)),
          tierOrder: tier.order,
          tierName: tier.name,
          thresholdCount: tier.count,
          amount: tier.amount,
          cumulative: tier.cumulative,
          triggerAssignmentId: event.assignmentId,
          reachedAt: event.confirmedAt,
          needsReview: false,
          amountDueCents: 0,
        });
      }
    }
  }
  // Cancellations after counting: the count drops, a crossing stays and is flagged when its period falls below it.
  const monthCounts = new Map<string, number>();
  const finalPeriod = new Map<string, number>();
  type Figures = Truth["bufdir"] extends Map<string, infer F> ? F : never;
  const bufdir = new Map<string, Figures>();
  const figuresOf = (org: string, year: string): Figures => {
    const key = `${org}|${year}`;
    let figures = bufdir.get(key);
    if (figures === undefined) {
      figures = { confirmed: 0, activeMentors: 0, activityDays: 0, cancelled: 0, byMonth: new Map(), byScope: new Map(), tiers: new Map() };
      bufdir.set(key, figures);
    }
    return figures;
  };
  const mentorsPerYear = new Map<string, Set<string>>();
  const daysPerYear = new Map<string, Set<string>>();
  for (const { event, month, date, cancelled } of counted) {
    const org = orgs.get(event.organizationId) as OrgSpec;
    const year = month.slice(0, 4);
    if (cancelled) {
      figuresOf(org.id, year).cancelled += 1;
      continue;
    }
    const countKey = `${org.id}|${event.scopeId ?? "-"}|${event.peerMentorId}|${month}`;
    monthCounts.set(countKey, (monthCounts.get(countKey) ?? 0) + 1);
    for (const tier of org.tiers) {
      const key = crossingKey(
        org.id,
        event.scopeId,
        event.peerMentorId,
        tier.periodType,
        periodOfMonth(tier.periodType, month),
        tier.order,
      );
      finalPeriod.set(key, (finalPeriod.get(key) ?? 0) + 1);
    }
    const figures = figuresOf(org.id, year);
    figures.confirmed += 1;
    figures.byMonth.set(month, (figures.byMonth.get(month) ?? 0) + 1);
    figures.byScope.set(event.scopeId ?? "-", (figures.byScope.get(event.scopeId ?? "-") ?? 0) + 1);
    const yearKey = `${org.id}|${year}`;
    if (!mentorsPerYear.has(yearKey)) mentorsPerYear.set(yearKey, new Set());
    mentorsPerYear.get(yearKey)?.add(event.peerMentorId);
    if (!daysPerYear.has(yearKey)) daysPerYear.set(yearKey, new Set());
    daysPerYear.get(yearKey)?.add(`${event.peerMentorId}|${date}`);
  }
  for (const { event, month } of confirmedTombstones) figuresOf(event.organizationId, month.slice(0, 4)).cancelled += 1;
  for (const [key, figures] of bufdir) {
    figures.activeMentors = mentorsPerYear.get(key)?.size ?? 0;
    figures.activityDays = daysPerYear.get(key)?.size ?? 0;
  }
  // What each crossing owes, per (scope, mentor, period), walking the tiers upward: a cumulative
  // tier adds its rate, one that is not replaces what was owed (never below it).
  const periods = new Map<string, ExpectedCrossing[]>();
  for (const crossing of crossings.values()) {
    const key = `${crossing.organizationId}|${crossing.scopeId ?? "-"}|${crossing.peerMentorId}|${crossing.periodType}|${crossing.periodKey}`;
    periods.set(key, [...(periods.get(key) ?? []), crossing]);
  }
  for (const group of periods.values()) {
    let owed = 0;
    for (const crossing of group.sort((a, b) => a.thresholdCount - b.thresholdCount || a.tierOrder - b.tierOrder)) {
      const after = crossing.cumulative ? owed + cents(crossing.amount) : Math.max(owed, cents(crossing.amount));
      crossing.amountDueCents = after - owed;
      owed = after;
    }
  }
  for (const crossing of crossings.values()) {
    crossing.needsReview = (finalPeriod.get(crossing.key) ?? 0) < crossing.thresholdCount;
    const figures = figuresOf(crossing.organizationId, String(crossing.fiscalYear));
    const tier = figures.tiers.get(crossing.tierName) ?? { crossings: 0, total: 0 };
    tier.crossings += 1;
    tier.total += crossing.amountDueCents;
    figures.tiers.set(crossing.tierName, tier);
  }
  return { monthCounts, crossings, bufdir, countedAssignments: counted.length };
}

/** Payable honorarium of one mentor in an income year: per (scope, period) the top tier, or the sum when cumulative. */
/**
 * What counts toward this income year's tax-free limit when nothing has been paid yet: everything
 * owed, from any period (the cash principle projects unpaid amounts into the current year).
 */
export function owedNotYetPaid(crossings: readonly ExpectedCrossing[]): number {
  return crossings.reduce((sum, c) => sum + c.amountDueCents, 0);
}

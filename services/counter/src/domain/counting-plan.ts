import type { AssignmentCancelled, AssignmentConfirmed } from "@honorarium/shared/contracts";
import {
  DEFAULT_TIME_ZONE,
  PERIOD_TYPES,
  type PeriodType,
  type ThresholdTier,
  fiscalYearOfPeriod,
  isValidTimeZone,
  monthKeysOfPeriod,
  periodKeyOfMonth,
  tiersCrossed,
  tiersEffectiveAt,
} from "@honorarium/shared/domain";
import { localCalendarKeys } from "./local-calendar.ts";

/**
 * The counting rules (DESIGN.md "Counting semantics") as a pure function over one batch:
 * the current state goes in, the final state of everything touched comes out. The adapter
 * loads the state and writes the plan inside one transaction, under per-mentor locks.
 */

export type CountingEvent =
  { kind: "confirmed"; offset: string; event: AssignmentConfirmed } | { kind: "cancelled"; offset: string; event: AssignmentCancelled };

export type LedgerState = "counted" | "cancelled" | "tombstone";

/** A row of assignment_ledger. Times are ISO strings. */
export interface LedgerEntry {
  assignmentId: string;
  peerMentorId: string;
  organizationId: string;
  scopeId: string | null;
  coordinatorId: string | null;
  state: LedgerState;
  confirmedAt: string | null;
  monthKey: string | null;
  activityDate: string | null;
  cancelledAt: string | null;
  confirmEventId: string | null;
  cancelEventId: string | null;
  cancelReason: string | null;
}

export interface CountingState {
  /** Ledger rows of the batch's (assignment, mentor) pairs, by ledgerKey. */
  ledger: ReadonlyMap<string, LedgerEntry>;
  /** confirmed_count by countKey, for every month the batch may read. Absent = 0. */
  monthCounts: ReadonlyMap<string, number>;
  /** Active tiers by organization (an organization with none still gets counted). */
  tiersByOrganization: ReadonlyMap<string, readonly ThresholdTier[]>;
  timeZones: ReadonlyMap<string, string>;
  /**
   * Go-live opening balances by openingBalanceKey (absent = 0): the count a period had before the
   * system started. A period's count is its balance plus its counted months, so the next tier
   * crosses at the right assignment and the tiers the balance reaches never cross again.
   */
  openingBalances?: ReadonlyMap<string, number>;
}

export type EventOutcome = "counted" | "duplicate" | "cancelled" | "tombstoned" | "suppressed" | "rejected";

export interface PlannedCrossing {
  recordId: string;
  organizationId: string;
  scopeId: string | null;
  peerMentorId: string;
  coordinatorId: string;
  tier: ThresholdTier;
  periodType: PeriodType;
  periodKey: string;
  fiscalYear: number;
  /** The period count the trigger assignment reached (= the tier's threshold_count). */
  assignmentCount: number;
  triggerAssignmentId: string;
  reachedAt: string;
}

/** After a cancellation: crossed records of this period above `lowestCount` need review. */
export interface ReviewCheck {
  organizationId: string;
  scopeId: string | null;
  peerMentorId: string;
  periodType: PeriodType;
  periodKey: string;
  lowestCount: number;
}

export interface MonthCountWrite {
  organizationId: string;
  scopeId: string | null;
  peerMentorId: string;
  monthKey: string;
  count: number;
}

export interface MentorChange {
  organizationId: string;
  scopeId: string | null;
  peerMentorId: string;
  monthKeys: string[];
  crossedRecordIds: string[];
}

export interface CountingPlan {
  /** Entries of (assignment, mentor) pairs absent from state.ledger: rows to insert. */
  ledgerInserts: LedgerEntry[];
  /** Changed entries of pairs in state.ledger: rows to update. */
  ledgerUpdates: LedgerEntry[];
  countWrites: MonthCountWrite[];
  crossings: PlannedCrossing[];
  reviewChecks: ReviewCheck[];
  outcomes: { offset: string; outcome: EventOutcome }[];
  /** Valid JSON but contradicting what is known (a cancellation naming another organization). */
  rejections: { offset: string; reason: string }[];
  mentorChanges: MentorChange[];
}

const FIRST_SUPPORTED_YEAR = 2000;
const LAST_SUPPORTED_YEAR = 2099;

/** A period a month belongs to, with its key among one mentor's period counts. */
interface PeriodOfMonth {
  periodType: PeriodType;
  periodKey: string;
  tallyKey: string;
}

const periodsByMonth = new Map<string, readonly PeriodOfMonth[]>();

/** Every period type's period containing a month (memoized: it is on the hot path). */
function periodsOfMonth(monthKey: string): readonly PeriodOfMonth[] {
  let periods = periodsByMonth.get(monthKey);
  if (periods === undefined) {
    periods = PERIOD_TYPES.map((periodType) => {
      const periodKey = periodKeyOfMonth(periodType, monthKey);
      return { periodType, periodKey, tallyKey: `${periodType}/${periodKey}` };
    });
    periodsByMonth.set(monthKey, periods);
  }
  return periods;
}

export function ledgerKey(assignmentId: string, peerMentorId: string): string {
  return `${assignmentId}/${peerMentorId}`;
}

export function countKey(organizationId: string, scopeId: string | null, peerMentorId: string, monthKey: string): string {
  return `${mentorKey(organizationId, scopeId, peerMentorId)}/${monthKey}`;
}

export function openingBalanceKey(
  organizationId: string,
  scopeId: string | null,
  peerMentorId: string,
  periodType: PeriodType,
  periodKey: string,
): string {
  return `${mentorKey(organizationId, scopeId, peerMentorId)}/${periodType}/${periodKey}`;
}

function mentorKey(organizationId: string, scopeId: string | null, peerMentorId: string): string {
  return `${organizationId}/${scopeId ?? "-"}/${peerMentorId}`;
}

export function timeZoneOf(timeZones: ReadonlyMap<string, string>, organizationId: string): string {
  const zone = timeZones.get(organizationId);
  return zone !== undefined && isValidTimeZone(zone) ? zone : DEFAULT_TIME_ZONE;
}

/** (organization, mentor, year) triples whose month counts the plan may read: load these first. */
export function countYearsNeeded(
  events: readonly CountingEvent[],
  ledger: ReadonlyMap<string, LedgerEntry>,
  timeZones: ReadonlyMap<string, string>,
): { organizationId: string; peerMentorId: string; year: string }[] {
  const needed = new Map<string, { organizationId: string; peerMentorId: string; year: string }>();
  const add = (organizationId: string, peerMentorId: string, monthKey: string) => {
    const year = monthKey.slice(0, 4);
    needed.set(`${organizationId}/${peerMentorId}/${year}`, { organizationId, peerMentorId, year });
  };
  for (const item of events) {
    const { event } = item;
    if (item.kind === "confirmed") {
      add(
        event.organizationId,
        event.peerMentorId,
        localCalendarKeys(item.event.confirmedAt, timeZoneOf(timeZones, event.organizationId)).monthKey,
      );
    } else {
      const entry = ledger.get(ledgerKey(event.assignmentId, event.peerMentorId));
      if (entry?.monthKey) add(entry.organizationId, entry.peerMentorId, entry.monthKey);
    }
  }
  return [...needed.values()];
}

type TiersByPeriod = ReadonlyMap<PeriodType, readonly ThresholdTier[]>;

function hasTierAt(tiers: readonly ThresholdTier[], count: number): boolean {
  for (const tier of tiers) if (tier.thresholdCount === count) return true;
  return false;
}

/**
 * tiersEffectiveAt by period type, memoized per organization and configuration window: the
 * effective set only changes at an effective_from or effective_until, so a batch computes it
 * once per window instead of once per event.
 */
function createEffectiveTiersMemo(tiersByOrganization: CountingState["tiersByOrganization"]) {
  const windows = new Map<string, { boundaries: number[]; bySegment: Map<number, TiersByPeriod> }>();
  return (organizationId: string, instant: string): TiersByPeriod => {
    let org = windows.get(organizationId);
    if (org === undefined) {
      const times = (tiersByOrganization.get(organizationId) ?? []).flatMap((tier) => [
        tier.effectiveFrom.getTime(),
        ...(tier.effectiveUntil === null ? [] : [tier.effectiveUntil.getTime()]),
      ]);
      org = { boundaries: [...new Set(times)].sort((a, b) => a - b), bySegment: new Map() };
      windows.set(organizationId, org);
    }
    const t = Date.parse(instant);
    // Segment i lies between boundaries i-1 (inclusive) and i (exclusive).
    let segment = 0;
    while (segment < org.boundaries.length && (org.boundaries[segment] as number) <= t) segment++;
    let byPeriod = org.bySegment.get(segment);
    if (byPeriod === undefined) {
      const grouped = new Map<PeriodType, ThresholdTier[]>();
      for (const tier of tiersEffectiveAt(tiersByOrganization.get(organizationId) ?? [], new Date(t))) {
        const group = grouped.get(tier.periodType);
        if (group === undefined) grouped.set(tier.periodType, [tier]);
        else group.push(tier);
      }
      byPeriod = grouped;
      org.bySegment.set(segment, byPeriod);
    }
    return byPeriod;
  };
}

/** One mentor's counts in one (organization, scope) while a batch is planned. */
interface MentorTally {
  /** mentorKey: the prefix of its countKeys. */
  key: string;
  organizationId: string;
  scopeId: string | null;
  peerMentorId: string;
  months: Map<string, number>;
  /** Period totals by `${periodType}/${periodKey}`, once computed. */
  periods: Map<string, number>;
  /** Months whose count this batch changed, in the order first changed. */
  changedMonths: string[];
  crossedRecordIds: string[];
}

/**
 * Applies the batch's events in offset order. `newId` names crossing records (their eventId
 * derives from the id, so the caller makes it random and the database keeps it).
 */
export function planCountingBatch(state: CountingState, events: readonly CountingEvent[], newId: () => string): CountingPlan {
  const effectiveTiers = createEffectiveTiersMemo(state.tiersByOrganization);
  const ledger = new Map(state.ledger);
  const changedLedger = new Set<string>();
  const crossings: PlannedCrossing[] = [];
  const reviews = new Map<string, ReviewCheck>();
  const outcomes: CountingPlan["outcomes"] = [];
  const rejections: CountingPlan["rejections"] = [];
  // One tally per (organization, scope, mentor): the long key is hashed once per event, and
  // months and periods are looked up by short keys (the hot path).
  // Found by mentor first and then by comparing (organization, scope): no key string is built per event.
  const tallies: MentorTally[] = [];
  const talliesByMentor = new Map<string, MentorTally[]>();
  const tallyOf = (organizationId: string, scopeId: string | null, peerMentorId: string): MentorTally => {
    let mentorTallies = talliesByMentor.get(peerMentorId);
    if (mentorTallies === undefined) talliesByMentor.set(peerMentorId, (mentorTallies = []));
    for (const tally of mentorTallies) if (tally.organizationId === organizationId && tally.scopeId === scopeId) return tally;
    const tally: MentorTally = {
      key: mentorKey(organizationId, scopeId, peerMentorId),
      organizationId,
      scopeId,
      peerMentorId,
      months: new Map(),
      periods: new Map(),
      changedMonths: [],
      crossedRecordIds: [],
    };
    mentorTallies.push(tally);
    tallies.push(tally);
    return tally;
  };
  const monthCount = (tally: MentorTally, monthKey: string): number => {
    let count = tally.months.get(monthKey);
    if (count === undefined) {
      count = state.monthCounts.get(`${tally.key}/${monthKey}`) ?? 0;
      tally.months.set(monthKey, count);
    }
    return count;
  };
  const openingBalances = state.openingBalances ?? new Map<string, number>();
  // Period sums (opening balance + months), computed once and then kept up to date.
  const periodCount = (tally: MentorTally, period: PeriodOfMonth): number => {
    let total = tally.periods.get(period.tallyKey);
    if (total === undefined) {
      total = openingBalances.size === 0 ? 0 : (openingBalances.get(`${tally.key}/${period.tallyKey}`) ?? 0);
      for (const monthKey of monthKeysOfPeriod(period.periodType, period.periodKey)) total += monthCount(tally, monthKey);
      tally.periods.set(period.tallyKey, total);
    }
    return total;
  };
  const addToMonth = (tally: MentorTally, monthKey: string, delta: number) => {
    const before = monthCount(tally, monthKey);
    const next = Math.max(0, before + delta);
    tally.months.set(monthKey, next);
    if (!tally.changedMonths.includes(monthKey)) tally.changedMonths.push(monthKey);
    for (const period of periodsOfMonth(monthKey)) {
      const total = tally.periods.get(period.tallyKey);
      if (total !== undefined) tally.periods.set(period.tallyKey, total + next - before);
    }
  };

  for (const item of events) {
    const key = ledgerKey(item.event.assignmentId, item.event.peerMentorId);
    const existing = ledger.get(key);

    if (item.kind === "confirmed") {
      const event = item.event;
      const year = Number(event.confirmedAt.slice(0, 4));
      if (year < FIRST_SUPPORTED_YEAR || year > LAST_SUPPORTED_YEAR) {
        // Fiscal years outside 2000-2100 cannot be recorded (spec 003 fiscal_year_valid_range).
        // A confirmedAt merely in the future is counted as the upstream states it: a check against
        // the wall clock would make a later replay decide differently from the first pass.
        rejections.push({ offset: item.offset, reason: `confirmedAt ${event.confirmedAt} is outside the supported years 2000-2099` });
        outcomes.push({ offset: item.offset, outcome: "rejected" });
        continue;
      }
      const { monthKey, dateKey } = localCalendarKeys(event.confirmedAt, timeZoneOf(state.timeZones, event.organizationId));
      if (existing === undefined) {
        ledger.set(key, {
          assignmentId: event.assignmentId,
          peerMentorId: event.peerMentorId,
          organizationId: event.organizationId,
          scopeId: event.scopeId,
          coordinatorId: event.coordinatorId,
          state: "counted",
          confirmedAt: event.confirmedAt,
          monthKey,
          activityDate: dateKey,
          cancelledAt: null,
          confirmEventId: event.eventId,
          cancelEventId: null,
          cancelReason: null,
        });
        changedLedger.add(key);
      } else if (existing.state === "tombstone") {
        // The cancellation came first: remember the confirmation, never count it.
        ledger.set(key, {
          ...existing,
          scopeId: event.scopeId,
          coordinatorId: event.coordinatorId,
          confirmedAt: event.confirmedAt,
          monthKey,
          activityDate: dateKey,
          confirmEventId: event.eventId,
          state: "cancelled",
        });
        changedLedger.add(key);
        outcomes.push({ offset: item.offset, outcome: "suppressed" });
        continue;
      } else {
        outcomes.push({ offset: item.offset, outcome: "duplicate" });
        continue;
      }

      // Crossings: every tier effective at confirmedAt whose threshold this increment reaches.
      const effective = effectiveTiers(event.organizationId, event.confirmedAt);
      const tally = tallyOf(event.organizationId, event.scopeId, event.peerMentorId);
      for (const period of effective.size === 0 ? [] : periodsOfMonth(monthKey)) {
        const { periodType, periodKey } = period;
        const tiers = effective.get(periodType);
        if (tiers === undefined) continue;
        const before = periodCount(tally, period);
        // Most increments cross nothing: no array built for them (the hot path).
        if (!hasTierAt(tiers, before + 1)) continue;
        for (const tier of tiersCrossed(tiers, before, before + 1)) {
          const recordId = newId();
          tally.crossedRecordIds.push(recordId);
          crossings.push({
            recordId,
            organizationId: event.organizationId,
            scopeId: event.scopeId,
            peerMentorId: event.peerMentorId,
            coordinatorId: event.coordinatorId,
            tier,
            periodType,
            periodKey,
            fiscalYear: fiscalYearOfPeriod(periodType, periodKey),
            assignmentCount: before + 1,
            triggerAssignmentId: event.assignmentId,
            reachedAt: event.confirmedAt,
          });
        }
      }
      addToMonth(tally, monthKey, 1);
      outcomes.push({ offset: item.offset, outcome: "counted" });
      continue;
    }

    const event = item.event;
    if (existing === undefined) {
      // Cancel before confirm: a tombstone, so the late confirmation does not count.
      ledger.set(key, {
        assignmentId: event.assignmentId,
        peerMentorId: event.peerMentorId,
        organizationId: event.organizationId,
        scopeId: null,
        coordinatorId: null,
        state: "tombstone",
        confirmedAt: null,
        monthKey: null,
        activityDate: null,
        cancelledAt: event.cancelledAt,
        confirmEventId: null,
        cancelEventId: event.eventId,
        cancelReason: event.reason ?? null,
      });
      changedLedger.add(key);
      outcomes.push({ offset: item.offset, outcome: "tombstoned" });
      continue;
    }
    if (existing.organizationId !== event.organizationId) {
      rejections.push({
        offset: item.offset,
        reason: "organizationId differs from the organization of the confirmed assignment it cancels",
      });
      outcomes.push({ offset: item.offset, outcome: "rejected" });
      continue;
    }
    if (existing.state !== "counted" || existing.monthKey === null) {
      outcomes.push({ offset: item.offset, outcome: "duplicate" });
      continue;
    }
    ledger.set(key, {
      ...existing,
      state: "cancelled",
      cancelledAt: event.cancelledAt,
      cancelEventId: event.eventId,
      cancelReason: event.reason ?? null,
    });
    changedLedger.add(key);
    const { organizationId, scopeId, peerMentorId, monthKey } = existing;
    const tally = tallyOf(organizationId, scopeId, peerMentorId);
    addToMonth(tally, monthKey, -1);
    // Every period type, not only those in use now: a record may come from a deactivated tier.
    for (const period of periodsOfMonth(monthKey)) {
      const { periodType, periodKey } = period;
      const after = periodCount(tally, period);
      const reviewKey = `${tally.key}/${period.tallyKey}`;
      const known = reviews.get(reviewKey);
      if (known === undefined) reviews.set(reviewKey, { organizationId, scopeId, peerMentorId, periodType, periodKey, lowestCount: after });
      else known.lowestCount = Math.min(known.lowestCount, after);
    }
    outcomes.push({ offset: item.offset, outcome: "cancelled" });
  }

  const countWrites: MonthCountWrite[] = [];
  const mentorChanges: MentorChange[] = [];
  for (const tally of tallies) {
    const { organizationId, scopeId, peerMentorId } = tally;
    for (const monthKey of tally.changedMonths) {
      countWrites.push({ organizationId, scopeId, peerMentorId, monthKey, count: tally.months.get(monthKey) ?? 0 });
    }
    if (tally.changedMonths.length > 0) {
      mentorChanges.push({
        organizationId,
        scopeId,
        peerMentorId,
        monthKeys: tally.changedMonths,
        crossedRecordIds: tally.crossedRecordIds,
      });
    }
  }
  const ledgerInserts: LedgerEntry[] = [];
  const ledgerUpdates: LedgerEntry[] = [];
  for (const key of changedLedger) (state.ledger.has(key) ? ledgerUpdates : ledgerInserts).push(ledger.get(key) as LedgerEntry);
  return {
    ledgerInserts,
    ledgerUpdates,
    countWrites,
    crossings,
    reviewChecks: [...reviews.values()],
    outcomes,
    rejections,
    mentorChanges,
  };
}

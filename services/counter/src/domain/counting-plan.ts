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
  ledgerWrites: LedgerEntry[];
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

const periodKeysByMonth = new Map<string, [PeriodType, string][]>();

/** The key of every period type's period containing a month (memoized: it is on the hot path). */
function periodKeysOfMonth(monthKey: string): [PeriodType, string][] {
  let keys = periodKeysByMonth.get(monthKey);
  if (keys === undefined) {
    keys = PERIOD_TYPES.map((periodType): [PeriodType, string] => [periodType, periodKeyOfMonth(periodType, monthKey)]);
    periodKeysByMonth.set(monthKey, keys);
  }
  return keys;
}

export function ledgerKey(assignmentId: string, peerMentorId: string): string {
  return `${assignmentId}/${peerMentorId}`;
}

export function countKey(organizationId: string, scopeId: string | null, peerMentorId: string, monthKey: string): string {
  return `${mentorKey(organizationId, scopeId, peerMentorId)}/${monthKey}`;
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

/**
 * Applies the batch's events in offset order. `newId` names crossing records (their eventId
 * derives from the id, so the caller makes it random and the database keeps it).
 */
export function planCountingBatch(state: CountingState, events: readonly CountingEvent[], newId: () => string): CountingPlan {
  const ledger = new Map(state.ledger);
  const counts = new Map(state.monthCounts);
  const changedLedger = new Set<string>();
  const changedCounts = new Set<string>();
  const crossings: PlannedCrossing[] = [];
  const reviews = new Map<string, ReviewCheck>();
  const outcomes: CountingPlan["outcomes"] = [];
  const rejections: CountingPlan["rejections"] = [];
  const mentorChanges = new Map<string, { change: MentorChange; months: Set<string> }>();

  const countOf = (key: string) => counts.get(key) ?? 0;
  // Period sums, computed once from the months and then kept up to date: the hot path.
  const periodCounts = new Map<string, number>();
  const periodCount = (mentor: string, periodType: PeriodType, periodKey: string): number => {
    const key = `${mentor}/${periodType}/${periodKey}`;
    let total = periodCounts.get(key);
    if (total === undefined) {
      total = monthKeysOfPeriod(periodType, periodKey).reduce((sum, monthKey) => sum + countOf(`${mentor}/${monthKey}`), 0);
      periodCounts.set(key, total);
    }
    return total;
  };
  const addToMonth = (mentor: string, monthKey: string, delta: number) => {
    const monthCountKey = `${mentor}/${monthKey}`;
    const next = Math.max(0, countOf(monthCountKey) + delta);
    const applied = next - countOf(monthCountKey);
    counts.set(monthCountKey, next);
    changedCounts.add(monthCountKey);
    for (const [periodType, periodKey] of periodKeysOfMonth(monthKey)) {
      const key = `${mentor}/${periodType}/${periodKey}`;
      const total = periodCounts.get(key);
      if (total !== undefined) periodCounts.set(key, total + applied);
    }
  };
  const noteChange = (organizationId: string, scopeId: string | null, peerMentorId: string, monthKey: string, recordIds: string[]) => {
    const key = mentorKey(organizationId, scopeId, peerMentorId);
    let entry = mentorChanges.get(key);
    if (entry === undefined) {
      entry = { change: { organizationId, scopeId, peerMentorId, monthKeys: [], crossedRecordIds: [] }, months: new Set() };
      mentorChanges.set(key, entry);
    }
    if (!entry.months.has(monthKey)) {
      entry.months.add(monthKey);
      entry.change.monthKeys.push(monthKey);
    }
    entry.change.crossedRecordIds.push(...recordIds);
  };

  for (const item of events) {
    const key = ledgerKey(item.event.assignmentId, item.event.peerMentorId);
    const existing = ledger.get(key);

    if (item.kind === "confirmed") {
      const event = item.event;
      const year = Number(event.confirmedAt.slice(0, 4));
      if (year < FIRST_SUPPORTED_YEAR || year > LAST_SUPPORTED_YEAR) {
        // Fiscal years outside 2000-2100 cannot be recorded (spec 003 fiscal_year_valid_range).
        rejections.push({ offset: item.offset, reason: `confirmedAt ${event.confirmedAt} is outside the supported years 2000-2099` });
        outcomes.push({ offset: item.offset, outcome: "rejected" });
        continue;
      }
      const { monthKey, dateKey } = localCalendarKeys(event.confirmedAt, timeZoneOf(state.timeZones, event.organizationId));
      const confirmFields = {
        scopeId: event.scopeId,
        coordinatorId: event.coordinatorId,
        confirmedAt: event.confirmedAt,
        monthKey,
        activityDate: dateKey,
        confirmEventId: event.eventId,
      };
      if (existing === undefined) {
        ledger.set(key, {
          assignmentId: event.assignmentId,
          peerMentorId: event.peerMentorId,
          organizationId: event.organizationId,
          ...confirmFields,
          state: "counted",
          cancelledAt: null,
          cancelEventId: null,
          cancelReason: null,
        });
        changedLedger.add(key);
      } else if (existing.state === "tombstone") {
        // The cancellation came first: remember the confirmation, never count it.
        ledger.set(key, { ...existing, ...confirmFields, state: "cancelled" });
        changedLedger.add(key);
        outcomes.push({ offset: item.offset, outcome: "suppressed" });
        continue;
      } else {
        outcomes.push({ offset: item.offset, outcome: "duplicate" });
        continue;
      }

      // Crossings: every tier effective at confirmedAt whose threshold this increment reaches.
      const effective = tiersEffectiveAt(state.tiersByOrganization.get(event.organizationId) ?? [], new Date(event.confirmedAt));
      const recordIds: string[] = [];
      const mentor = mentorKey(event.organizationId, event.scopeId, event.peerMentorId);
      for (const [periodType, periodKey] of effective.length === 0 ? [] : periodKeysOfMonth(monthKey)) {
        const tiers = effective.filter((tier) => tier.periodType === periodType);
        if (tiers.length === 0) continue;
        const before = periodCount(mentor, periodType, periodKey);
        for (const tier of tiersCrossed(tiers, before, before + 1)) {
          const recordId = newId();
          recordIds.push(recordId);
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
      addToMonth(mentor, monthKey, 1);
      noteChange(event.organizationId, event.scopeId, event.peerMentorId, monthKey, recordIds);
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
    const mentor = mentorKey(organizationId, scopeId, peerMentorId);
    addToMonth(mentor, monthKey, -1);
    // Every period type, not only those in use now: a record may come from a deactivated tier.
    for (const [periodType, periodKey] of periodKeysOfMonth(monthKey)) {
      const after = periodCount(mentor, periodType, periodKey);
      const reviewKey = `${mentor}/${periodType}/${periodKey}`;
      const known = reviews.get(reviewKey);
      if (known === undefined) reviews.set(reviewKey, { organizationId, scopeId, peerMentorId, periodType, periodKey, lowestCount: after });
      else known.lowestCount = Math.min(known.lowestCount, after);
    }
    noteChange(organizationId, scopeId, peerMentorId, monthKey, []);
    outcomes.push({ offset: item.offset, outcome: "cancelled" });
  }

  const countWrites: MonthCountWrite[] = [];
  for (const key of changedCounts) {
    const [organizationId = "", scope = "-", peerMentorId = "", monthKey = ""] = key.split("/");
    countWrites.push({ organizationId, scopeId: scope === "-" ? null : scope, peerMentorId, monthKey, count: countOf(key) });
  }
  return {
    ledgerWrites: [...changedLedger].map((key) => ledger.get(key) as LedgerEntry),
    countWrites,
    crossings,
    reviewChecks: [...reviews.values()],
    outcomes,
    rejections,
    mentorChanges: [...mentorChanges.values()].map((entry) => entry.change),
  };
}

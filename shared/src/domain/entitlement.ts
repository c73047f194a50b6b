/**
 * What is owed: the one rule every view uses (DESIGN.md "What is owed"). Dashboards, statements,
 * payouts, milestone history, the tax-free standing and Bufdir totals all call `amountsDue`.
 *
 * Per (organization, scope, mentor, period) the crossed tiers are walked in the order a count
 * reaches them (threshold count, then tier order):
 * - a cumulative tier adds its amount to what was owed before it;
 * - a tier that is not cumulative replaces the lower ones: the entitlement becomes its amount
 *   (Blindeforbundet's higher rate, 1,500, replaces the office honorarium, 500).
 * Mixed flags: the higher tier's own flag decides (office 500 replacing, then a cumulative 1,500:
 * 500 + 1,500 = 2,000). A replacing tier never lowers what is owed: a misconfigured higher rate
 * below a lower tier's amount leaves the entitlement where it was (amount due 0), so nothing already
 * owed is taken back.
 *
 * Each record owes its `amountDue`: the entitlement after it minus the entitlement before it (the
 * higher rate owes the top-up, 1,000, when the office honorarium was owed).
 *
 * A record whose payment was cancelled owes nothing and drops out of the walk: the tiers after it are
 * owed as if it had never been reached. A coordinator cancels a payment when it is not owed (a
 * disputed or mistaken crossing), so a mentor who then reaches the higher rate is owed the whole
 * higher rate (1,500), not the top-up. Paid records cannot be cancelled (spec 003), so this never
 * changes an amount already paid out; it can raise what a later, unpaid record owes.
 */
import { fromMinorUnits, toMinorUnits } from "./money.ts";

/** A crossing record, as far as the rule needs it. */
export interface EntitledRecord {
  id: string;
  thresholdCount: number;
  tierOrder: number;
  /** The rate copied into the record at crossing time (decimal string). */
  amount: string;
  isCumulative: boolean;
  /** The payment was cancelled: owes nothing, and is left out of the walk. */
  cancelled: boolean;
}

export interface Entitlement {
  /** What the group's records not cancelled are worth together (decimal string). */
  entitlement: string;
  /** Per record id: what that record owes (decimal string); "0.00" for a cancelled one. */
  amountDue: Map<string, string>;
}

function byReachOrder(a: EntitledRecord, b: EntitledRecord): number {
  return a.thresholdCount - b.thresholdCount || a.tierOrder - b.tierOrder || a.id.localeCompare(b.id);
}

/** The rule over ONE group: the records of one (organization, scope, mentor, period). */
export function amountsDue(records: readonly EntitledRecord[]): Entitlement {
  const amountDue = new Map<string, string>();
  let owed = 0n;
  for (const record of [...records].sort(byReachOrder)) {
    if (record.cancelled) {
      amountDue.set(record.id, "0.00");
      continue;
    }
    const amount = toMinorUnits(record.amount);
    const after = record.isCumulative ? owed + amount : amount > owed ? amount : owed;
    amountDue.set(record.id, fromMinorUnits(after - owed));
    owed = after;
  }
  return { entitlement: fromMinorUnits(owed), amountDue };
}

/** The key of the group a record's amount depends on. */
export interface EntitlementGroupKey {
  organizationId: string;
  scopeId: string | null;
  peerMentorId: string;
  periodType: string;
  periodKey: string;
}

export const entitlementGroupOf = (record: EntitlementGroupKey): string =>
  `${record.organizationId}|${record.scopeId ?? "-"}|${record.peerMentorId}|${record.periodType}|${record.periodKey}`;

/** The rule over records of any number of groups: every record's amount due, by id. */
export function amountsDueByRecord<R extends EntitledRecord & EntitlementGroupKey>(records: readonly R[]): Map<string, string> {
  const groups = new Map<string, R[]>();
  for (const record of records) {
    const key = entitlementGroupOf(record);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [record]);
    else group.push(record);
  }
  const due = new Map<string, string>();
  for (const group of groups.values()) for (const [id, amount] of amountsDue(group).amountDue) due.set(id, amount);
  return due;
}

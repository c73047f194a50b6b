/**
 * Spec 004: an encrypted assignment's delivery to a peer mentor.
 * pending → delivered → opened → read_confirmed; expired from any state before read_confirmed;
 * no going back; once read_confirmed the record is append-only.
 *
 * Out-of-order arrival (the upstream retried, Kafka hands us `opened` before `delivered`): the
 * upstream can only emit `opened` after `delivered` happened, so an early event is APPLIED, and
 * the steps it implies are filled with its own timestamp. The late predecessor that follows is
 * then stale and ignored (it never moves the record back). This never stalls a record waiting
 * for an event that may have been lost, and the timestamps stay ordered
 * (opened_at >= delivered_at, read_confirmed_at >= opened_at).
 */
export const DELIVERY_STATES = ["pending", "delivered", "opened", "read_confirmed", "expired"] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];
export type DeliveryEventStatus = Exclude<DeliveryState, "pending">;

const PROGRESSION: readonly DeliveryState[] = ["pending", "delivered", "opened", "read_confirmed"];
const rank = (state: DeliveryState): number => PROGRESSION.indexOf(state);

export interface DeliveryTimestamps {
  deliveredAt: Date | null;
  openedAt: Date | null;
  readConfirmedAt: Date | null;
}

export interface DeliveryRecordState extends DeliveryTimestamps {
  status: DeliveryState;
}

export type DeliveryDecision =
  | { kind: "apply"; next: DeliveryRecordState; filledSteps: DeliveryState[] }
  | { kind: "ignore"; reason: "duplicate" | "stale" | "terminal" };

/** Moves from `from` to `to` that the lifecycle allows one step at a time. */
export function isLegalStep(from: DeliveryState, to: DeliveryState): boolean {
  if (from === "read_confirmed" || from === "expired") return false;
  if (to === "expired") return true;
  if (to === "pending") return false;
  return rank(to) === rank(from) + 1;
}

const laterOf = (at: Date, floor: Date | null): Date => (floor !== null && floor.getTime() > at.getTime() ? floor : at);

/** The record before any event: the first event creates it as pending and moves it on. */
export const NEW_DELIVERY: DeliveryRecordState = { status: "pending", deliveredAt: null, openedAt: null, readConfirmedAt: null };

/** What an event with `status` at `at` does to a record in `current`. Pure. */
export function decideDelivery(current: DeliveryRecordState, status: DeliveryEventStatus, at: Date): DeliveryDecision {
  if (current.status === "read_confirmed" || current.status === "expired") {
    return current.status === status ? { kind: "ignore", reason: "duplicate" } : { kind: "ignore", reason: "terminal" };
  }
  if (status === "expired") {
    return { kind: "apply", next: { ...current, status: "expired" }, filledSteps: [] };
  }
  if (rank(status) === rank(current.status)) return { kind: "ignore", reason: "duplicate" };
  if (rank(status) < rank(current.status)) return { kind: "ignore", reason: "stale" };

  // Walk forward one legal step at a time, filling implied steps with this event's time, kept
  // no earlier than the step before it (clock skew between devices must not break the order).
  const next: DeliveryRecordState = { ...current };
  const filledSteps: DeliveryState[] = [];
  for (let step = rank(current.status) + 1; step <= rank(status); step++) {
    const state = PROGRESSION[step] as DeliveryState;
    if (state !== status) filledSteps.push(state);
    if (state === "delivered") next.deliveredAt = at;
    if (state === "opened") next.openedAt = laterOf(at, next.deliveredAt);
    if (state === "read_confirmed") next.readConfirmedAt = laterOf(at, next.openedAt);
    next.status = state;
  }
  return { kind: "apply", next, filledSteps };
}

/** Half-year accounting periods at 3 and 15 deliveries (spec 004 honorarium_tier_assignment). */
export function honorariumTierForSequence(sequence: number): "none" | "tier_1" | "tier_2" {
  if (sequence === 3) return "tier_1";
  if (sequence === 15) return "tier_2";
  return "none";
}

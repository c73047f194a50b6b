import { DomainError } from "./errors.ts";

/**
 * Spec 003's payment lifecycle: pending → processing → paid | cancelled; nothing moves back.
 * Decision: a pending payment may also be cancelled directly (a crossing found invalid after a
 * cancellation review is closed without ever being processed).
 */
export const PAYMENT_STATUSES = ["not_applicable", "pending", "processing", "paid", "cancelled"] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
export const TARGET_PAYMENT_STATUSES = ["processing", "paid", "cancelled"] as const;
export type TargetPaymentStatus = (typeof TARGET_PAYMENT_STATUSES)[number];

const ALLOWED: Record<PaymentStatus, readonly TargetPaymentStatus[]> = {
  not_applicable: [],
  pending: ["processing", "cancelled"],
  processing: ["paid", "cancelled"],
  paid: [],
  cancelled: [],
};

export function allowedPaymentTransitions(from: PaymentStatus): readonly TargetPaymentStatus[] {
  return ALLOWED[from];
}

export interface PaymentTransition {
  from: PaymentStatus;
  to: TargetPaymentStatus;
  /** Set when the move is to paid. */
  paymentProcessedAt: Date | null;
}

/** The move from `from` to `to`, or a conflict naming the moves that are allowed. */
export function planPaymentTransition(from: PaymentStatus, to: TargetPaymentStatus, now: Date): PaymentTransition {
  const allowed = ALLOWED[from];
  if (!allowed.includes(to)) {
    const options = allowed.length === 0 ? "none (final state)" : allowed.join(", ");
    throw new DomainError("conflict", `payment status cannot move from ${from} to ${to}; allowed from ${from}: ${options}`, {
      rule: "payment_status_lifecycle",
      details: { from, to, allowed: [...allowed] },
    });
  }
  return { from, to, paymentProcessedAt: to === "paid" ? now : null };
}

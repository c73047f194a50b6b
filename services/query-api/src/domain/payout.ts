import { fromMinorUnits, toMinorUnits } from "@honorarium/shared/domain";
import { csvCell } from "./bufdir.ts";
import type { Crossing } from "./progress.ts";

/** The versioned first line of a payout batch's CSV; bumped when columns change. */
export const PAYOUT_EXPORT_FORMAT = "honorarium-tracker payout-batch v1";

/**
 * Records a payout batch may take: owed (pending), or in payment but no longer in an open batch
 * (their batch was released to be redone). Spec 003: pending → processing → paid; nothing moves back.
 */
export function isBatchable(crossing: Pick<Crossing, "paymentStatus">, inOpenBatch: boolean): boolean {
  if (inOpenBatch) return false;
  return crossing.paymentStatus === "pending" || crossing.paymentStatus === "processing";
}

/** One record in a batch: what it pays (its amount due by the one rule, fixed when the batch is made). */
export interface PayoutRecord {
  recordId: string;
  peerMentorId: string;
  scopeId: string | null;
  periodType: string;
  periodKey: string;
  tierName: string | null;
  amount: string;
  currency: string;
}

/** One payroll line: a mentor's records in the batch, together. */
export interface PayoutLine {
  peerMentorId: string;
  payeeReference: string | null;
  amount: string;
  currency: string;
  periods: string[];
  tierNames: string[];
  recordIds: string[];
}

export function payoutRecordOf(crossing: Crossing): PayoutRecord {
  return {
    recordId: crossing.id,
    peerMentorId: crossing.peerMentorId,
    scopeId: crossing.scopeId,
    periodType: crossing.periodType,
    periodKey: crossing.periodKey,
    tierName: crossing.tierName,
    amount: crossing.amountDue,
    currency: crossing.currency,
  };
}

/** The batch's payroll lines: per mentor (and currency), the records' amounts summed; in mentor order. */
export function payoutLines(records: readonly PayoutRecord[], payeeReferences: ReadonlyMap<string, string>): PayoutLine[] {
  const lines = new Map<string, PayoutLine & { minor: bigint }>();
  for (const record of records) {
    const key = `${record.peerMentorId}|${record.currency}`;
    let line = lines.get(key);
    if (line === undefined) {
      line = {
        peerMentorId: record.peerMentorId,
        payeeReference: payeeReferences.get(record.peerMentorId) ?? null,
        amount: "0.00",
        currency: record.currency,
        periods: [],
        tierNames: [],
        recordIds: [],
        minor: 0n,
      };
      lines.set(key, line);
    }
    line.minor += toMinorUnits(record.amount);
    const period = `${record.periodType}:${record.periodKey}`;
    if (!line.periods.includes(period)) line.periods.push(period);
    if (record.tierName !== null) line.tierNames.push(record.tierName);
    line.recordIds.push(record.recordId);
  }
  return [...lines.values()]
    .map(({ minor, ...line }) => ({ ...line, amount: fromMinorUnits(minor) }))
    .sort((a, b) => a.peerMentorId.localeCompare(b.peerMentorId) || a.currency.localeCompare(b.currency));
}

export interface TaxWarning {
  peerMentorId: string;
  incomeYear: number;
  /** Paid in the income year before this batch, plus other batches in payment. */
  before: string;
  /** Before plus this batch. */
  after: string;
  taxFreeLimit: string;
}

/**
 * Mentors this batch would take over the tax-free limit of the income year it is paid in
 * (Norwegian income tax follows the year money is paid; above the limit all of it is taxable).
 */
export function taxWarnings(
  lines: readonly PayoutLine[],
  alreadyInYear: ReadonlyMap<string, string>,
  incomeYear: number,
  taxFreeLimit: string,
): TaxWarning[] {
  const limit = toMinorUnits(taxFreeLimit);
  const byMentor = new Map<string, bigint>();
  for (const line of lines) byMentor.set(line.peerMentorId, (byMentor.get(line.peerMentorId) ?? 0n) + toMinorUnits(line.amount));
  const warnings: TaxWarning[] = [];
  for (const [peerMentorId, amount] of byMentor) {
    const before = toMinorUnits(alreadyInYear.get(peerMentorId) ?? "0.00");
    const after = before + amount;
    if (before <= limit && after > limit)
      warnings.push({
        peerMentorId,
        incomeYear,
        before: fromMinorUnits(before),
        after: fromMinorUnits(after),
        taxFreeLimit: fromMinorUnits(limit),
      });
  }
  return warnings.sort((a, b) => a.peerMentorId.localeCompare(b.peerMentorId));
}

export const PAYOUT_CSV_COLUMNS = [
  "batch_id",
  "peer_mentor_id",
  "payee_reference",
  "amount",
  "currency",
  "periods",
  "tier_names",
  "record_ids",
] as const;

/** The payroll file: format line, metadata line, columns, one row per mentor; lists are `;`-separated. */
export function renderPayoutCsv(input: {
  batchId: string;
  organizationId: string;
  status: string;
  lines: readonly PayoutLine[];
  generatedAt: Date;
}): string {
  const total = fromMinorUnits(input.lines.reduce((sum, line) => sum + toMinorUnits(line.amount), 0n));
  const rows = [
    `# ${PAYOUT_EXPORT_FORMAT}`,
    `# batch_id=${input.batchId};organization_id=${input.organizationId};status=${input.status};lines=${input.lines.length};total=${total};generated_at=${input.generatedAt.toISOString()}`,
    PAYOUT_CSV_COLUMNS.join(","),
  ];
  for (const line of input.lines) {
    rows.push(
      [
        input.batchId,
        line.peerMentorId,
        line.payeeReference,
        line.amount,
        line.currency,
        line.periods.join(";"),
        line.tierNames.join(";"),
        line.recordIds.join(";"),
      ]
        .map(csvCell)
        .join(","),
    );
  }
  return `${rows.join("\r\n")}\r\n`;
}

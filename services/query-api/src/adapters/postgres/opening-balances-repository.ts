import { loadTiersForEvaluation, loadTimeZones } from "@honorarium/shared/db";
import {
  type OpeningBalanceError,
  type OpeningBalanceLine,
  type PeriodType,
  amountsDue,
  balanceKey,
  fiscalYearOfPeriod,
  monthKeysOfPeriod,
  periodEnd,
  tiersEffectiveAt,
  tiersReachedByBalance,
} from "@honorarium/shared/domain";
import type { Knex } from "knex";
import type { Visibility } from "../../domain/access.ts";
import type { IOpeningBalancesRepository, OpeningBalanceImportReport, OpeningBalanceRecord } from "../../ports.ts";
import { isoRequired, whereVisible } from "./visibility.ts";

interface BalanceRow {
  scope_id: string | null;
  peer_mentor_id: string;
  period_type: PeriodType;
  period_key: string;
  assignment_count: number;
  tiers_paid: number[];
  imported_at: Date;
  imported_by: string;
}

const recordOf = (row: BalanceRow): OpeningBalanceRecord => ({
  scopeId: row.scope_id,
  peerMentorId: row.peer_mentor_id,
  periodType: row.period_type,
  periodKey: row.period_key,
  assignmentCount: row.assignment_count,
  tiersPaid: row.tiers_paid,
  importedAt: isoRequired(row.imported_at),
  importedBy: row.imported_by,
});

/**
 * The counter's own locks (services/counter counting-store lockMentors): the table lock in row share
 * mode and one advisory lock per mentor, in the same order. A counting batch for these mentors either
 * committed before the import (the import sees its counts and refuses the period) or waits and then
 * reads the committed balances: a balance is never half-seen, and never applied after events it should
 * have preceded.
 */
async function lockMentorsLikeTheCounter(trx: Knex.Transaction, peerMentorIds: readonly string[]): Promise<void> {
  await trx.raw("lock table mentor_month_counts in row share mode");
  if (peerMentorIds.length === 0) return;
  await trx.raw(
    `select pg_advisory_xact_lock(h) from (
       select distinct hashtextextended(m, 0) as h from unnest(?::text[]) as u(m)
     ) locks order by h`,
    [[...peerMentorIds]],
  );
}

export function createPostgresOpeningBalancesRepository(db: Knex): IOpeningBalancesRepository {
  return {
    async importLines(organizationId, actor, now, lines, apply) {
      return db.transaction(async (trx) => {
        const mentorIds = [...new Set(lines.map((line) => line.peerMentorId))];
        await lockMentorsLikeTheCounter(trx, mentorIds);
        const [tiersByOrganization, timeZones] = await Promise.all([
          loadTiersForEvaluation(trx, [organizationId]),
          loadTimeZones(trx, [organizationId]),
        ]);
        const tiers = tiersByOrganization.get(organizationId) ?? [];
        const timeZone = timeZones.get(organizationId) as string;

        // Months the system has already counted (or seen cancelled) for these mentors: a balance is the
        // count before the system started, so a period with counted months is refused rather than
        // guessed at (was the spreadsheet's figure taken before or after those assignments?).
        const counted: { rows: { scope_id: string | null; peer_mentor_id: string; month_key: string }[] } = await trx.raw(
          `select distinct scope_id, peer_mentor_id, month_key from mentor_month_counts
           where organization_id = ? and peer_mentor_id = any(?::uuid[])`,
          [organizationId, mentorIds],
        );
        const countedMonths = new Set(counted.rows.map((row) => `${row.scope_id ?? "-"}/${row.peer_mentor_id}/${row.month_key}`));

        const existing: BalanceRow[] = await trx("opening_balances")
          .select("scope_id", "peer_mentor_id", "period_type", "period_key", "assignment_count", "tiers_paid", "imported_at", "imported_by")
          .where({ organization_id: organizationId })
          .whereIn("peer_mentor_id", mentorIds);
        const existingByKey = new Map(
          existing.map((row) => [
            balanceKey({ scopeId: row.scope_id, peerMentorId: row.peer_mentor_id, periodType: row.period_type, periodKey: row.period_key }),
            row,
          ]),
        );

        // Imported records that have since moved in the system (batched or their status changed)
        // belong to the payment workflow now: a re-import must not replace them.
        const moved: { rows: { scope_id: string | null; peer_mentor_id: string; period_type: PeriodType; period_key: string }[] } =
          await trx.raw(
            `select distinct r.scope_id, r.peer_mentor_id, r.period_type, r.period_key from honorarium_records r
             where r.organization_id = ? and r.peer_mentor_id = any(?::uuid[]) and r.source = 'opening_balance'
               and (exists (select 1 from payout_batch_records b where b.record_id = r.id)
                    or exists (select 1 from payment_status_history h where h.record_id = r.id))`,
            [organizationId, mentorIds],
          );
        const movedKeys = new Set(
          moved.rows.map((row) =>
            balanceKey({ scopeId: row.scope_id, peerMentorId: row.peer_mentor_id, periodType: row.period_type, periodKey: row.period_key }),
          ),
        );

        const report: OpeningBalanceImportReport = { errors: [], lines: [] };
        const planned: { line: OpeningBalanceLine; reached: ReturnType<typeof tiersReachedByBalance>["reached"] }[] = [];
        for (const line of lines) {
          const key = balanceKey(line);
          const lineErrors: OpeningBalanceError[] = [];
          const countedMonth = monthKeysOfPeriod(line.periodType, line.periodKey).find((month) =>
            countedMonths.has(`${line.scopeId ?? "-"}/${line.peerMentorId}/${month}`),
          );
          if (countedMonth !== undefined)
            lineErrors.push({
              line: line.line,
              field: "period_key",
              code: "period_already_counted",
              message: `the system has already counted assignments of this mentor and scope in ${countedMonth}: a balance applies only to a period it has not counted`,
            });
          if (movedKeys.has(key))
            lineErrors.push({
              line: line.line,
              field: "tiers_paid",
              code: "period_already_counted",
              message:
                "a record of the earlier import of this balance is in the payment workflow (batched or moved): it cannot be replaced",
            });
          // The tiers that applied in the period: those effective at its end (or now, if it is running).
          const end = periodEnd(line.periodType, line.periodKey, timeZone).getTime() - 1;
          const applicable = tiersEffectiveAt(tiers, new Date(Math.min(end, now.getTime())));
          const { reached, unknownPaid } = tiersReachedByBalance(applicable, line);
          if (unknownPaid.length > 0)
            lineErrors.push({
              line: line.line,
              field: "tiers_paid",
              code: "unknown_tier",
              message: `no ${line.periodType} tier of this organisation has the threshold ${unknownPaid.join(", ")}`,
            });
          report.errors.push(...lineErrors);
          if (lineErrors.length > 0) continue;
          planned.push({ line, reached });
          report.lines.push({
            line: line.line,
            peerMentorId: line.peerMentorId,
            scopeId: line.scopeId,
            periodType: line.periodType,
            periodKey: line.periodKey,
            assignmentCount: line.assignmentCount,
            tiers: reached.map(({ tier, paid }) => ({ thresholdCount: tier.thresholdCount, tierName: tier.name, paid })),
            replaces: existingByKey.has(key),
          });
        }
        if (!apply || report.errors.length > 0 || planned.length === 0) return report;

        for (const { line, reached } of planned) {
          const where = {
            organization_id: organizationId,
            peer_mentor_id: line.peerMentorId,
            period_type: line.periodType,
            period_key: line.periodKey,
          };
          // Re-import replaces: the earlier import's records for this balance go (none of them has moved,
          // checked above), the new ones take the tiers' places in the unique crossing index.
          await trx("honorarium_records")
            .where(where)
            .andWhereRaw("scope_id is not distinct from ?", [line.scopeId])
            .andWhere({ source: "opening_balance" })
            .delete();
          await trx.raw(
            `insert into opening_balances (organization_id, scope_id, peer_mentor_id, period_type, period_key, assignment_count,
               tiers_paid, imported_at, imported_by)
             values (?, ?, ?, ?, ?, ?, ?::integer[], ?, ?)
             on conflict on constraint uq_opening_balances do update set assignment_count = excluded.assignment_count,
               tiers_paid = excluded.tiers_paid, imported_at = excluded.imported_at, imported_by = excluded.imported_by`,
            [
              organizationId,
              line.scopeId,
              line.peerMentorId,
              line.periodType,
              line.periodKey,
              line.assignmentCount,
              line.tiersPaid,
              now,
              actor.userId,
            ],
          );
          if (reached.length === 0) continue;
          // When a tier paid outside the system was paid is not in the file. Tax-free standing goes by
          // the income year of payment, so it is taken as paid within its period: at the import, or at
          // the period's last instant when the import comes after the period (a 2026 balance imported in
          // January 2027 counts toward 2026, the year the spreadsheet paid it in).
          const paidAt = new Date(Math.min(now.getTime(), periodEnd(line.periodType, line.periodKey, timeZone).getTime() - 1));
          // What each tier is worth under the one rule (the higher rate owes the top-up): a tier paid
          // outside the system is recorded as paid with that amount, so nothing is owed for it again.
          const due = amountsDue(
            reached.map(({ tier }) => ({
              id: tier.configId,
              thresholdCount: tier.thresholdCount,
              tierOrder: tier.tierOrder,
              amount: tier.honorariumAmount,
              isCumulative: tier.isCumulative,
              cancelled: false,
            })),
          ).amountDue;
          await trx("honorarium_records").insert(
            reached.map(({ tier, paid }) => ({
              ...where,
              scope_id: line.scopeId,
              threshold_config_id: tier.configId,
              tier_name: tier.name,
              tier_order: tier.tierOrder,
              assignment_count: tier.thresholdCount,
              threshold_crossed: true,
              threshold_level: tier.thresholdLevel,
              threshold_assignment_number: tier.thresholdCount,
              honorarium_rate: tier.honorariumAmount,
              currency: tier.currency,
              is_cumulative: tier.isCumulative,
              fiscal_year: fiscalYearOfPeriod(line.periodType, line.periodKey),
              payment_status: paid ? "paid" : "pending",
              payment_processed_at: paid ? paidAt : null,
              amount_paid: paid ? (due.get(tier.configId) ?? "0.00") : null,
              notes: paid ? "Opening balance: paid outside the system before go-live" : "Opening balance: reached before go-live",
              source: "opening_balance",
              // When the tier was reached before go-live is unknown (reached_at stays null); the record
              // itself dates from the import, which orders it before every crossing counted after it.
              recorded_at: now,
            })),
          );
        }
        await trx("opening_balance_audit_log").insert({
          organization_id: organizationId,
          actor_id: actor.userId,
          actor_roles: [...actor.roles],
          occurred_at: now,
          line_count: planned.length,
          after: JSON.stringify(
            planned.map(({ line }) => ({
              scopeId: line.scopeId,
              peerMentorId: line.peerMentorId,
              periodType: line.periodType,
              periodKey: line.periodKey,
              assignmentCount: line.assignmentCount,
              tiersPaid: line.tiersPaid,
            })),
          ),
          before: JSON.stringify(
            planned.flatMap(({ line }) => {
              const row = existingByKey.get(balanceKey(line));
              return row === undefined ? [] : [recordOf(row)];
            }),
          ),
        });
        return report;
      });
    },

    async list(organizationId: string, visibility: Visibility) {
      const query = db("opening_balances")
        .select("scope_id", "peer_mentor_id", "period_type", "period_key", "assignment_count", "tiers_paid", "imported_at", "imported_by")
        .where({ organization_id: organizationId })
        .orderBy([{ column: "period_key" }, { column: "peer_mentor_id" }, { column: "scope_id" }]);
      const rows: BalanceRow[] = await whereVisible(query, visibility);
      return rows.map(recordOf);
    },
  };
}

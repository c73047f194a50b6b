import type { PeriodType } from "@honorarium/shared/domain";
import type { Knex } from "knex";
import type { MonthCount } from "../../domain/progress.ts";
import type { ICountsRepository } from "../../ports.ts";
import { whereVisible } from "./visibility.ts";

interface MonthCountRow {
  scope_id: string | null;
  peer_mentor_id: string;
  month_key: string;
  confirmed_count: number;
}

const toMonthCount = (row: MonthCountRow): MonthCount => ({
  scopeId: row.scope_id,
  peerMentorId: row.peer_mentor_id,
  monthKey: row.month_key,
  confirmedCount: row.confirmed_count,
});

export function createPostgresCountsRepository(db: Knex): ICountsRepository {
  return {
    async mentorMonthCounts(organizationId, peerMentorId, monthKeys) {
      if (monthKeys.length === 0) return [];
      const rows: MonthCountRow[] = await db("mentor_month_counts")
        .select("scope_id", "peer_mentor_id", "month_key", "confirmed_count")
        .where({ organization_id: organizationId, peer_mentor_id: peerMentorId })
        .whereIn("month_key", [...monthKeys]);
      return rows.map(toMonthCount);
    },
    async visibleMonthCounts(organizationId, visibility, monthKeys) {
      if (monthKeys.length === 0) return [];
      const base = () =>
        db("mentor_month_counts")
          .select("scope_id", "peer_mentor_id", "month_key", "confirmed_count")
          .where({ organization_id: organizationId })
          .whereIn("month_key", [...monthKeys])
          .where("confirmed_count", ">", 0);
      if (visibility.kind !== "scopes") {
        const rows: MonthCountRow[] = await whereVisible(base(), visibility);
        return rows.map(toMonthCount);
      }
      // Two index range scans (the scopes, then the whole-organization bucket) instead of one OR
      // the planner cannot use the (organization, scope, mentor, month) index for.
      const scopeIds = [...visibility.scopeIds];
      const [inScopes, wholeOrganization] = await Promise.all([
        scopeIds.length === 0 ? Promise.resolve<MonthCountRow[]>([]) : (base().whereIn("scope_id", scopeIds) as Promise<MonthCountRow[]>),
        base().whereNull("scope_id") as Promise<MonthCountRow[]>,
      ]);
      return [...inScopes, ...wholeOrganization].map(toMonthCount);
    },
    async approachingPeriodCounts(organizationId, visibility, periods, within) {
      if (periods.length === 0) return [];
      const columns = periods.map((_, i) => `c${i}`);
      // Counted months and go-live balances, each summed per period, then added up per (scope, mentor).
      const counted = whereVisible(
        db("mentor_month_counts")
          .select(
            "scope_id",
            "peer_mentor_id",
            db.raw(
              // A period's months are contiguous: a byte-wise range test is cheaper per row than a list.
              columns
                .map((c) => `coalesce(sum(confirmed_count) filter (where month_key collate "C" between ? and ?), 0)::int as ${c}`)
                .join(", "),
              periods.flatMap((period) => [period.monthKeys[0] ?? "", period.monthKeys[period.monthKeys.length - 1] ?? ""]),
            ),
          )
          .where({ organization_id: organizationId })
          .whereIn("month_key", [...new Set(periods.flatMap((period) => period.monthKeys))])
          .where("confirmed_count", ">", 0)
          .groupBy("scope_id", "peer_mentor_id"),
        visibility,
      );
      const balances = whereVisible(
        db("opening_balances")
          .select(
            "scope_id",
            "peer_mentor_id",
            db.raw(
              columns
                .map((c) => `coalesce(sum(assignment_count) filter (where period_type = ? and period_key = ?), 0)::int as ${c}`)
                .join(", "),
              periods.flatMap((period) => [period.periodType, period.periodKey]),
            ),
          )
          .where({ organization_id: organizationId })
          .whereRaw("(period_type, period_key) in (select * from unnest(?::text[], ?::text[]))", [
            periods.map((period) => period.periodType),
            periods.map((period) => period.periodKey),
          ])
          .groupBy("scope_id", "peer_mentor_id"),
        visibility,
      );
      const totals = db
        .select("scope_id", "peer_mentor_id", db.raw(columns.map((c) => `sum(${c})::int as ${c}`).join(", ")))
        .from(db.raw("((?) union all (?)) as parts", [counted, balances]))
        .groupBy("scope_id", "peer_mentor_id");
      // A row is approaching in period i when a threshold t of the period lies in (count, count + within]:
      // then the next tier (the smallest threshold above the count) lies there too — progressToward's rule.
      const rows: (Record<string, number> & { scope_id: string | null; peer_mentor_id: string })[] = await db
        .select("*")
        .from(totals.as("totals"))
        .where((q) => {
          for (const [i, period] of periods.entries())
            q.orWhereRaw(
              `exists (select 1 from unnest(?::int[]) as threshold(n) where threshold.n > totals.${columns[i]} and threshold.n <= totals.${columns[i]} + ?)`,
              [period.tiers.map((tier) => tier.thresholdCount), within],
            );
        });
      return rows.map((row) => ({
        scopeId: row.scope_id,
        peerMentorId: row.peer_mentor_id,
        counts: columns.map((c) => Number(row[c] ?? 0)),
      }));
    },
    async visibleOpeningBalances(organizationId, visibility, periods, peerMentorId) {
      if (periods.length === 0) return [];
      const query = db("opening_balances")
        .select("scope_id", "peer_mentor_id", "period_type", "period_key", "assignment_count")
        .where({ organization_id: organizationId })
        .whereRaw("(period_type, period_key) in (select * from unnest(?::text[], ?::text[]))", [
          periods.map((p) => p.periodType),
          periods.map((p) => p.periodKey),
        ]);
      if (peerMentorId !== undefined) query.where({ peer_mentor_id: peerMentorId });
      const rows: {
        scope_id: string | null;
        peer_mentor_id: string;
        period_type: PeriodType;
        period_key: string;
        assignment_count: number;
      }[] = await whereVisible(query, visibility);
      return rows.map((row) => ({
        scopeId: row.scope_id,
        peerMentorId: row.peer_mentor_id,
        periodType: row.period_type,
        periodKey: row.period_key,
        assignmentCount: row.assignment_count,
      }));
    },
    async mentorScopes(organizationId, peerMentorId) {
      const rows: { scope_id: string | null }[] = await db
        .select("scope_id")
        .from("mentor_month_counts")
        .where({ organization_id: organizationId, peer_mentor_id: peerMentorId })
        .union((q) =>
          q.select("scope_id").from("assignment_ledger").where({ organization_id: organizationId, peer_mentor_id: peerMentorId }),
        )
        .union((q) =>
          q.select("scope_id").from("honorarium_records").where({ organization_id: organizationId, peer_mentor_id: peerMentorId }),
        )
        .union((q) =>
          q.select("scope_id").from("opening_balances").where({ organization_id: organizationId, peer_mentor_id: peerMentorId }),
        );
      return rows.map((row) => row.scope_id);
    },
  };
}

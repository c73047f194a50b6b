import { fromMinorUnits, toMinorUnits } from "@honorarium/shared/domain";
import type { Knex } from "knex";
import type { ActivityRow, TierRow } from "../../domain/bufdir.ts";
import type { IBufdirRepository } from "../../ports.ts";

const money = (value: string | null): string => fromMinorUnits(toMinorUnits(value ?? "0"));

export function createPostgresBufdirRepository(db: Knex): IBufdirRepository {
  return {
    async activity(organizationId, year) {
      // Sources, all kept in step with the ledger inside the counter's transaction:
      //  - mentor_month_counts (the counter's net confirmed counts per local month): assignments and
      //    active mentors (a mentor with a net count above zero);
      //  - bufdir_scope_days / bufdir_days (migration 014, trigger-maintained from the ledger): activity
      //    days, one row per mentor and local date (per scope, and across scopes).
      // A calendar year is exactly the local months YYYY-01..YYYY-12. The queries run side by side.
      const range: [string, string] = [`${year}-01`, `${year}-12`];
      const counts = (extra: string) =>
        `from mentor_month_counts where organization_id = ? and month_key between ? and ? and confirmed_count > 0 ${extra}`;
      const [scopeMentors, monthMentors, totalMentors, scopeDays, monthDays, cancelled] = await Promise.all([
        db.raw(
          `select scope_id, count(*)::int as mentors, sum(confirmed)::int as confirmed
             from (select scope_id, peer_mentor_id, sum(confirmed_count) as confirmed ${counts("group by scope_id, peer_mentor_id")}) m
            group by scope_id`,
          [organizationId, ...range],
        ),
        db.raw(
          `select month_key, count(*)::int as mentors, sum(confirmed)::int as confirmed
             from (select month_key, peer_mentor_id, sum(confirmed_count) as confirmed ${counts("group by month_key, peer_mentor_id")}) m
            group by month_key`,
          [organizationId, ...range],
        ),
        db.raw(
          `select count(*)::int as mentors, coalesce(sum(confirmed), 0)::int as confirmed
             from (select peer_mentor_id, sum(confirmed_count) as confirmed ${counts("group by peer_mentor_id")}) m`,
          [organizationId, ...range],
        ),
        db.raw(
          `select scope_id, count(*)::int as days from bufdir_scope_days
            where organization_id = ? and month_key between ? and ? and confirmed_count > 0 group by scope_id`,
          [organizationId, ...range],
        ),
        db.raw(
          `select month_key, count(*)::int as days from bufdir_days
            where organization_id = ? and month_key between ? and ? and confirmed_count > 0 group by month_key`,
          [organizationId, ...range],
        ),
        db("assignment_ledger")
          .count<{ n: number }[]>({ n: "*" })
          .where({ organization_id: organizationId, state: "cancelled" })
          .whereBetween("month_key", range)
          .first(),
      ]);
      type Group = { mentors: number; confirmed: number };
      const scopeRows = (scopeMentors as { rows: (Group & { scope_id: string | null })[] }).rows;
      const monthRows = (monthMentors as { rows: (Group & { month_key: string })[] }).rows;
      const total = (totalMentors as { rows: Group[] }).rows[0] ?? { mentors: 0, confirmed: 0 };
      const daysByScope = new Map(
        (scopeDays as { rows: { scope_id: string | null; days: number }[] }).rows.map((r) => [r.scope_id, r.days]),
      );
      const daysByMonth = new Map((monthDays as { rows: { month_key: string; days: number }[] }).rows.map((r) => [r.month_key, r.days]));
      const rows: ActivityRow[] = [
        {
          level: "total",
          scopeId: null,
          monthKey: null,
          activePeerMentors: total.mentors,
          confirmedAssignments: total.confirmed,
          activityDays: [...daysByMonth.values()].reduce((sum, days) => sum + days, 0),
        },
        ...scopeRows.map((r): ActivityRow => ({
          level: "scope",
          scopeId: r.scope_id,
          monthKey: null,
          activePeerMentors: r.mentors,
          confirmedAssignments: r.confirmed,
          activityDays: daysByScope.get(r.scope_id) ?? 0,
        })),
        ...monthRows.map((r): ActivityRow => ({
          level: "month",
          scopeId: null,
          monthKey: r.month_key,
          activePeerMentors: r.mentors,
          confirmedAssignments: r.confirmed,
          activityDays: daysByMonth.get(r.month_key) ?? 0,
        })),
      ];
      return { rows, cancelledAssignments: Number(cancelled?.n ?? 0) };
    },
    async tiers(organizationId, year) {
      const result: {
        rows: {
          tier_name: string;
          threshold_level: string;
          threshold_count: number;
          currency: string;
          crossings: number;
          honorarium_total: string | null;
          paid_total: string | null;
          cancelled_crossings: number;
        }[];
      } = await db.raw(
        `select coalesce(tier_name, threshold_level) as tier_name, threshold_level,
                coalesce(threshold_assignment_number, 0) as threshold_count, currency,
                count(*)::int as crossings,
                (sum(honorarium_rate) filter (where payment_status <> 'cancelled'))::text as honorarium_total,
                (sum(honorarium_rate) filter (where payment_status = 'paid'))::text as paid_total,
                (count(*) filter (where payment_status = 'cancelled'))::int as cancelled_crossings
           from honorarium_records
          where organization_id = ? and fiscal_year = ? and threshold_crossed
          group by 1, 2, 3, 4`,
        [organizationId, year],
      );
      return result.rows.map((row): TierRow => ({
        tierName: row.tier_name,
        thresholdLevel: row.threshold_level,
        thresholdCount: row.threshold_count,
        currency: row.currency.trim(),
        crossings: row.crossings,
        honorariumTotal: money(row.honorarium_total),
        paidTotal: money(row.paid_total),
        cancelledCrossings: row.cancelled_crossings,
      }));
    },
  };
}

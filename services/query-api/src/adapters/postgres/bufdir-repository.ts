import { amountsDueByRecord, fromMinorUnits, toMinorUnits } from "@honorarium/shared/domain";
import type { Knex } from "knex";
import type { ActivityRow, TierRow } from "../../domain/bufdir.ts";
import type { IBufdirRepository } from "../../ports.ts";

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
      // Activity days: a date lies in exactly one month, so per scope (and in total) the mentor-days
      // and the distinct dates are the sums of the months' figures. Two scans, not four, and the
      // distinct dates counted by a hash aggregate of (…, date) rows rather than count(distinct)'s sort.
      const days = (table: "bufdir_scope_days" | "bufdir_days", keys: string) =>
        `select ${keys}, sum(n)::int as days, count(*)::int as dates
           from (select ${keys}, activity_date, count(*) as n from ${table}
                  where organization_id = ? and month_key between ? and ? and confirmed_count > 0 group by ${keys}, activity_date) d
          group by ${keys}`;
      const [mentorGroups, monthDays, cancelled, scopeMonthDays] = await Promise.all([
        // Active mentors and assignments per scope x month, scope, month and in total, in one scan:
        // each mentor's sum per grouping set, then counted per set (grouping(): 0 scope x month,
        // 1 scope, 2 month, 3 total). A mentor active in two months counts once in the scope's figure.
        db.raw(
          `select level, scope_id, month_key, count(*)::int as mentors, sum(confirmed)::int as confirmed
             from (select scope_id, month_key, peer_mentor_id, sum(confirmed_count) as confirmed, grouping(scope_id, month_key) as level
                     ${counts(`group by grouping sets ((scope_id, month_key, peer_mentor_id), (scope_id, peer_mentor_id),
                                                       (month_key, peer_mentor_id), (peer_mentor_id))`)}) m
            group by level, scope_id, month_key`,
          [organizationId, ...range],
        ),
        // Mentor-days (a row per mentor and local date) and distinct dates (days with any activity), across scopes.
        db.raw(days("bufdir_days", "month_key"), [organizationId, ...range]),
        db("assignment_ledger")
          .count<{ n: number }[]>({ n: "*" })
          .where({ organization_id: organizationId, state: "cancelled" })
          .whereBetween("month_key", range)
          .first(),
        db.raw(days("bufdir_scope_days", "scope_id, month_key"), [organizationId, ...range]),
      ]);
      type Group = { mentors: number; confirmed: number };
      type Grouped = Group & { level: 0 | 1 | 2 | 3; scope_id: string | null; month_key: string | null };
      const groups = (mentorGroups as { rows: Grouped[] }).rows;
      const scopeRows = groups.filter((r) => r.level === 1);
      const monthRows = groups.filter((r): r is Grouped & { month_key: string } => r.level === 2 && r.month_key !== null);
      const total = groups.find((r) => r.level === 3) ?? { mentors: 0, confirmed: 0 };
      const scopeMonthRows = groups.filter((r): r is Grouped & { month_key: string } => r.level === 0 && r.month_key !== null);
      type Days = { days: number; dates: number };
      const noDays: Days = { days: 0, dates: 0 };
      const add = (a: Days, b: Days): Days => ({ days: a.days + b.days, dates: a.dates + b.dates });
      const scopeMonthDayRows = (scopeMonthDays as { rows: (Days & { scope_id: string | null; month_key: string })[] }).rows;
      const daysByScope = new Map<string | null, Days>();
      for (const r of scopeMonthDayRows) daysByScope.set(r.scope_id, add(daysByScope.get(r.scope_id) ?? noDays, r));
      const monthDayRows = (monthDays as { rows: (Days & { month_key: string })[] }).rows;
      const daysByMonth = new Map(monthDayRows.map((r) => [r.month_key, r]));
      const daysByScopeMonth = new Map(scopeMonthDayRows.map((r) => [`${r.scope_id}|${r.month_key}`, r]));
      const totalDays = monthDayRows.reduce(add, noDays);
      const rows: ActivityRow[] = [
        {
          level: "total",
          scopeId: null,
          monthKey: null,
          activePeerMentors: total.mentors,
          confirmedAssignments: total.confirmed,
          mentorDays: totalDays.days,
          distinctDates: totalDays.dates,
        },
        ...scopeRows.map((r): ActivityRow => ({
          level: "scope",
          scopeId: r.scope_id,
          monthKey: null,
          activePeerMentors: r.mentors,
          confirmedAssignments: r.confirmed,
          mentorDays: (daysByScope.get(r.scope_id) ?? noDays).days,
          distinctDates: (daysByScope.get(r.scope_id) ?? noDays).dates,
        })),
        ...monthRows.map((r): ActivityRow => ({
          level: "month",
          scopeId: null,
          monthKey: r.month_key,
          activePeerMentors: r.mentors,
          confirmedAssignments: r.confirmed,
          mentorDays: (daysByMonth.get(r.month_key) ?? noDays).days,
          distinctDates: (daysByMonth.get(r.month_key) ?? noDays).dates,
        })),
        ...scopeMonthRows.map((r): ActivityRow => {
          const days = daysByScopeMonth.get(`${r.scope_id}|${r.month_key}`) ?? noDays;
          return {
            level: "scope_month",
            scopeId: r.scope_id,
            monthKey: r.month_key,
            activePeerMentors: r.mentors,
            confirmedAssignments: r.confirmed,
            mentorDays: days.days,
            distinctDates: days.dates,
          };
        }),
      ];
      return { rows, cancelledAssignments: Number(cancelled?.n ?? 0) };
    },
    async tiers(organizationId, year) {
      // Amounts by the one rule (shared/domain entitlement): a higher rate that replaces the office
      // honorarium adds its top-up, not its whole rate. A fiscal year holds whole periods, so every
      // record's group is here.
      const rows: {
        id: string;
        scope_id: string | null;
        peer_mentor_id: string;
        period_type: string;
        period_key: string;
        tier_name: string;
        threshold_level: string;
        threshold_count: number;
        tier_order: number | null;
        honorarium_rate: string | null;
        is_cumulative: boolean;
        currency: string;
        payment_status: string;
      }[] = await db("honorarium_records")
        .select(
          "id",
          "scope_id",
          "peer_mentor_id",
          "period_type",
          "period_key",
          db.raw("coalesce(tier_name, threshold_level) as tier_name"),
          "threshold_level",
          db.raw("coalesce(threshold_assignment_number, 0) as threshold_count"),
          "tier_order",
          "honorarium_rate",
          "is_cumulative",
          "currency",
          "payment_status",
        )
        .where({ organization_id: organizationId, fiscal_year: year, threshold_crossed: true });
      const due = amountsDueByRecord(
        rows.map((row) => ({
          id: row.id,
          organizationId,
          scopeId: row.scope_id,
          peerMentorId: row.peer_mentor_id,
          periodType: row.period_type,
          periodKey: row.period_key,
          thresholdCount: row.threshold_count,
          tierOrder: row.tier_order ?? 0,
          amount: row.honorarium_rate ?? "0.00",
          isCumulative: row.is_cumulative,
          cancelled: row.payment_status === "cancelled",
        })),
      );
      const tiers = new Map<string, TierRow & { total: bigint; paid: bigint }>();
      for (const row of rows) {
        const currency = row.currency.trim();
        const key = `${row.tier_name}|${row.threshold_level}|${row.threshold_count}|${currency}`;
        let tier = tiers.get(key);
        if (tier === undefined) {
          tier = {
            tierName: row.tier_name,
            thresholdLevel: row.threshold_level,
            thresholdCount: row.threshold_count,
            currency,
            crossings: 0,
            honorariumTotal: "0.00",
            paidTotal: "0.00",
            cancelledCrossings: 0,
            total: 0n,
            paid: 0n,
          };
          tiers.set(key, tier);
        }
        const amount = toMinorUnits(due.get(row.id) ?? "0.00");
        tier.crossings += 1;
        if (row.payment_status === "cancelled") tier.cancelledCrossings += 1;
        else tier.total += amount;
        if (row.payment_status === "paid") tier.paid += amount;
      }
      return [...tiers.values()].map(({ total, paid, ...tier }): TierRow => ({
        ...tier,
        honorariumTotal: fromMinorUnits(total),
        paidTotal: fromMinorUnits(paid),
      }));
    },
  };
}

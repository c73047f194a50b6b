/**
 * The money workflow at the bench's size (issue 12): a period statement of one 500-mentor scope,
 * the organisation's statement CSV, and 2,000-record payout batches created and exported — all
 * uncached, against a baseline measured in the same run (configs.list: an authenticated call that
 * reads almost nothing), and counts.dashboard uncached measured the same way.
 */
import type { Knex } from "knex";

export interface Timing {
  runs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function timingOf(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return { runs: sorted.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: Math.round(sorted[sorted.length - 1] ?? 0) };
}

async function timed(runs: number, call: (i: number) => Promise<Response>): Promise<Timing> {
  const samples: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const started = performance.now();
    const response = await call(i);
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`answered ${response.status}`);
    // The first call warms the connection and the server's code paths.
    if (i > 0) samples.push(performance.now() - started);
  }
  return timingOf(samples);
}

export interface StatementsBench {
  baselineConfigsList: Timing;
  statementOneScope: Timing & { lines: number };
  dashboardOneScopeUncached: Timing;
  dashboardOrganizationUncached: Timing;
  organizationCsv: Timing & { bytes: number };
  payoutBatch2000: Timing & { createP50Ms: number; exportP50Ms: number };
  ratios: Record<string, number>;
}

export async function benchStatementsAndPayouts(options: {
  db: Knex;
  base: string;
  organizationId: string;
  adminToken: string;
  coordinatorToken: string;
  query: (procedure: string, input: unknown) => string;
  year: number;
}): Promise<StatementsBench> {
  const { db, base, query, year } = options;
  const get = (path: string, token: string) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const post = (procedure: string, input: unknown, token: string) =>
    fetch(`${base}/trpc/${procedure}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(input),
    });
  const period = { periodType: "calendar_year", periodKey: String(year) };

  const baselineConfigsList = await timed(100, () => get(query("configs.list", {}), options.coordinatorToken));
  const statementOneScope = await timed(100, () => get(query("statements.period", { ...period, pageSize: 200 }), options.coordinatorToken));
  const sample = (await (await get(query("statements.period", { ...period, pageSize: 1 }), options.coordinatorToken)).json()) as {
    result: { data: { lines: { total: number } } };
  };
  const dashboardOneScopeUncached = await timed(50, () => get(query("counts.dashboard", {}), options.coordinatorToken));
  const dashboardOrganizationUncached = await timed(50, () => get(query("counts.dashboard", {}), options.adminToken));
  let bytes = 0;
  const organizationCsv = await timed(5, async () => {
    const response = await get(`/files/statements.exportCsv?input=${encodeURIComponent(JSON.stringify(period))}`, options.adminToken);
    bytes = Number(response.headers.get("content-length") ?? 0);
    return response;
  });

  // Payout batches: each run pays 2,000 pending records of its own quarter of the previous year.
  const quarters = [1, 2, 3, 4].map((q) => `${year - 1}-Q${q}`);
  for (const [index, periodKey] of quarters.entries()) {
    await db.raw(
      `insert into honorarium_records (peer_mentor_id, organization_id, scope_id, tier_name, tier_order, period_type, period_key, assignment_count,
                                       threshold_level, threshold_assignment_number, honorarium_rate, fiscal_year, payment_status, reached_at)
       select bench_uuid('payout-mentor' || ? || '-' || i), ?::uuid, bench_uuid('scope' || (i % 20)), 'Quarterly', 1, 'quarter', ?, 3,
              'custom', 3, 250.00, ?, 'pending', now() - interval '30 days'
         from generate_series(1, 2000) i`,
      [index, options.organizationId, periodKey, year - 1],
    );
  }
  await db.raw("analyze honorarium_records");
  const createMs: number[] = [];
  const exportMs: number[] = [];
  const totalMs: number[] = [];
  for (const periodKey of quarters) {
    const started = performance.now();
    const created = await post("payouts.create", { periodType: "quarter", periodKey }, options.adminToken);
    const body = (await created.json()) as { result?: { data?: { batch: { id: string; recordCount: number } } } };
    const batch = body.result?.data?.batch;
    if (!created.ok || batch === undefined || batch.recordCount !== 2000) throw new Error(`payouts.create answered ${created.status}`);
    const afterCreate = performance.now();
    const file = await get(`/files/payouts.export?input=${encodeURIComponent(JSON.stringify({ batchId: batch.id }))}`, options.adminToken);
    await file.arrayBuffer();
    if (!file.ok) throw new Error(`payouts.export answered ${file.status}`);
    const done = performance.now();
    createMs.push(afterCreate - started);
    exportMs.push(done - afterCreate);
    totalMs.push(done - started);
  }
  const payoutTiming = timingOf(totalMs);
  const median = (values: number[]) => timingOf(values).p50Ms;
  const result: StatementsBench = {
    baselineConfigsList,
    statementOneScope: { ...statementOneScope, lines: sample.result.data.lines.total },
    dashboardOneScopeUncached,
    dashboardOrganizationUncached,
    organizationCsv: { ...organizationCsv, bytes },
    payoutBatch2000: { ...payoutTiming, createP50Ms: median(createMs), exportP50Ms: median(exportMs) },
    ratios: {
      statementP99VsBaselineP99: Number((statementOneScope.p99Ms / Math.max(1, baselineConfigsList.p99Ms)).toFixed(1)),
      dashboardScopeP99VsBaselineP99: Number((dashboardOneScopeUncached.p99Ms / Math.max(1, baselineConfigsList.p99Ms)).toFixed(1)),
    },
  };
  console.log(
    [
      `baseline configs.list uncached: p50 ${baselineConfigsList.p50Ms} ms, p99 ${baselineConfigsList.p99Ms} ms`,
      `statements.period, one scope (${result.statementOneScope.lines} lines): p50 ${statementOneScope.p50Ms} ms, p99 ${statementOneScope.p99Ms} ms (target p99 < 150 ms)`,
      `counts.dashboard uncached, one scope: p50 ${dashboardOneScopeUncached.p50Ms} ms, p99 ${dashboardOneScopeUncached.p99Ms} ms; whole organisation: p50 ${dashboardOrganizationUncached.p50Ms} ms, p99 ${dashboardOrganizationUncached.p99Ms} ms (target p99 < 150 ms)`,
      `statements CSV, whole organisation (${bytes.toLocaleString("en")} bytes): p50 ${organizationCsv.p50Ms} ms, max ${organizationCsv.maxMs} ms (target < 2 s)`,
      `payout batch of 2,000 records, created + exported: p50 ${payoutTiming.p50Ms} ms (create ${result.payoutBatch2000.createP50Ms}, export ${result.payoutBatch2000.exportP50Ms}), max ${payoutTiming.maxMs} ms (target < 3 s)`,
      `ratios against the baseline: ${JSON.stringify(result.ratios)}`,
    ].join("\n"),
  );
  return result;
}

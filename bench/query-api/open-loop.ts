import { Agent, request } from "node:http";

/**
 * An open-loop load generator: requests start on a fixed schedule (one every 1000/rate ms),
 * whether or not earlier ones have answered, and each latency is measured from its scheduled
 * start. This is how a latency target "at N req/s" is meant: arrivals spread evenly over the
 * second. autocannon's `overallRate` instead lets every connection send its per-second quota at
 * once when the second begins, so the server sees a burst of N requests and a queue, and a
 * closed loop (a connection waits for its answer) hides the queueing it causes (coordinated
 * omission). autocannon stays the tool for the maximum throughput.
 */
export interface OpenLoopResult {
  rate: number;
  seconds: number;
  sent: number;
  /** Requests answered per second of the run. */
  requestsPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  non2xx: number;
}

export interface OpenLoopRequest {
  path: string;
  headers: Record<string, string>;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

export async function openLoop(base: string, requests: readonly OpenLoopRequest[], rate: number, seconds: number): Promise<OpenLoopResult> {
  const url = new URL(base);
  // Enough sockets that a request never waits for a free one at this rate.
  const agent = new Agent({ keepAlive: true, maxSockets: 128 });
  const interval = 1000 / rate;
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let next = 0;
  const inFlight = new Set<Promise<void>>();

  const fire = (scheduledAt: number, index: number) => {
    const pick = requests[index % requests.length] as OpenLoopRequest;
    const done = new Promise<void>((resolve) => {
      const req = request({ agent, host: url.hostname, port: url.port, path: pick.path, headers: pick.headers }, (res) => {
        res.resume();
        res.on("end", () => {
          latencies.push(performance.now() - scheduledAt);
          if (res.statusCode === undefined || res.statusCode < 200 || res.statusCode > 299) non2xx++;
          resolve();
        });
      });
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end();
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };

  const started = performance.now() + 20;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next < total && started + next * interval <= now) {
        fire(started + next * interval, next);
        next++;
      }
      if (next >= total) resolve();
      else setTimeout(tick, Math.max(0, started + next * interval - performance.now()));
    };
    tick();
  });
  await Promise.all(inFlight);
  const elapsedSeconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    rate,
    seconds,
    sent: next,
    requestsPerSecond: Math.round(latencies.length / elapsedSeconds),
    p50Ms: round(percentile(latencies, 50)),
    p90Ms: round(percentile(latencies, 90)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies.at(-1) ?? 0),
    errors,
    non2xx,
  };
}

/** A small hand-written SVG: throughput (top) and notification latency (bottom) over time, faults marked. */

export interface ChartInput {
  title: string;
  /** Seconds since start → committed events per second. */
  throughput: { t: number; value: number | null }[];
  /** Seconds since start → notification latency (p50 and max of the receipts in that second), seconds. */
  latency: { t: number; p50: number; max: number }[];
  faults: { t: number; label: string }[];
  /** Optional third panel: RSS per service (soak). */
  rss?: { name: string; points: { t: number; mb: number }[] }[];
}

const W = 900;
const PANEL_H = 170;
const LEFT = 60;
const RIGHT = 20;
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];

const esc = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const fmt = (value: number) => (value === 0 || value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function path(points: { x: number; y: number }[]): string {
  return points.map((p, i) => `${i === 0 ? "M" : "L"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join("");
}

export function renderChart(input: ChartInput): string {
  const panels = input.rss === undefined ? 2 : 3;
  const height = 40 + panels * (PANEL_H + 40);
  const tMax = Math.max(1, ...input.throughput.map((p) => p.t), ...input.latency.map((p) => p.t));
  const x = (t: number) => Math.round((LEFT + (t / tMax) * (W - LEFT - RIGHT)) * 10) / 10;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${height}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${esc(input.title)}</text>`,
  ];
  const panel = (index: number, label: string, maxValue: number, draw: (y: (v: number) => number) => void) => {
    const top = 40 + index * (PANEL_H + 40);
    const bottom = top + PANEL_H;
    const max = niceMax(maxValue);
    const y = (v: number) => Math.round((bottom - (Math.min(v, max) / max) * PANEL_H) * 10) / 10;
    parts.push(`<text x="${LEFT}" y="${top - 6}" font-weight="bold">${esc(label)}</text>`);
    for (let i = 0; i <= 4; i++) {
      const value = (max * i) / 4;
      parts.push(`<line x1="${LEFT}" x2="${W - RIGHT}" y1="${y(value)}" y2="${y(value)}" stroke="#e5e5e5"/>`);
      parts.push(`<text x="${LEFT - 4}" y="${y(value) + 4}" text-anchor="end">${fmt(value)}</text>`);
    }
    const tickStep = niceMax(tMax / 8);
    for (let t = 0; t <= tMax; t += tickStep) {
      parts.push(`<text x="${x(t)}" y="${bottom + 14}" text-anchor="middle">${t.toFixed(0)}s</text>`);
    }
    parts.push(`<line x1="${LEFT}" x2="${W - RIGHT}" y1="${bottom}" y2="${bottom}" stroke="#333"/>`);
    parts.push(`<line x1="${LEFT}" x2="${LEFT}" y1="${top}" y2="${bottom}" stroke="#333"/>`);
    for (const fault of input.faults) {
      parts.push(`<line x1="${x(fault.t)}" x2="${x(fault.t)}" y1="${top}" y2="${bottom}" stroke="#ff7f0e" stroke-dasharray="4,3"/>`);
      if (index === 0) {
        parts.push(
          `<text x="${x(fault.t) + 2}" y="${top + 10}" fill="#ff7f0e" transform="rotate(90 ${x(fault.t) + 2} ${top + 10})">${esc(fault.label)}</text>`,
        );
      }
    }
    draw(y);
  };

  const throughputMax = Math.max(1, ...input.throughput.map((p) => p.value ?? 0));
  panel(0, "events committed per second (counter, Postgres offsets)", throughputMax, (y) => {
    // Gaps (no sample: Postgres down) break the line.
    let segment: { x: number; y: number }[] = [];
    const flush = () => {
      if (segment.length > 0) parts.push(`<path d="${path(segment)}" fill="none" stroke="${COLORS[0]}" stroke-width="1.2"/>`);
      segment = [];
    };
    for (const p of input.throughput) {
      if (p.value === null) flush();
      else segment.push({ x: x(p.t), y: y(p.value) });
    }
    flush();
  });
  const latencyMax = Math.max(0.1, ...input.latency.map((p) => p.max));
  panel(1, "notification latency, s (crossing recorded → webhook received): p50 blue, max red, per second", latencyMax, (y) => {
    parts.push(
      `<path d="${path(input.latency.map((p) => ({ x: x(p.t), y: y(p.p50) })))}" fill="none" stroke="${COLORS[0]}" stroke-width="1.2"/>`,
    );
    parts.push(
      `<path d="${path(input.latency.map((p) => ({ x: x(p.t), y: y(p.max) })))}" fill="none" stroke="${COLORS[1]}" stroke-width="1"/>`,
    );
  });
  if (input.rss !== undefined) {
    const rss = input.rss;
    const rssMax = Math.max(1, ...rss.flatMap((s) => s.points.map((p) => p.mb)));
    panel(2, `RSS, MB: ${rss.map((s, i) => `${s.name} ${["blue", "red", "green", "purple"][i]}`).join(", ")}`, rssMax, (y) => {
      rss.forEach((series, i) =>
        parts.push(
          `<path d="${path(series.points.map((p) => ({ x: x(p.t), y: y(p.mb) })))}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.2"/>`,
        ),
      );
    });
  }
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

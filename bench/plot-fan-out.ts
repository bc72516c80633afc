/**
 * Draws fan-out time against subscribers (log-log) from bench/fan-out-limit.ts's JSON, with the floor, as an
 * SVG: a few lines of hand-written SVG, no plotting dependency. Only the rows at the account's own throttle.
 * Run: `npx tsx bench/plot-fan-out.ts [in.json=bench/results/fan-out-limit.json] [out.svg=docs/images/fan-out.svg]`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One line of the plot. */
export interface Series {
  label: string;
  color: string;
  dashed?: boolean;
  points: Array<{ x: number; y: number }>;
}

const WIDTH = 720;
const HEIGHT = 440;
const MARGIN = { left: 70, right: 220, top: 30, bottom: 50 };

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Powers of ten covering [min, max]. */
function decades(min: number, max: number): number[] {
  const out: number[] = [];
  for (let p = Math.floor(Math.log10(min)); p <= Math.ceil(Math.log10(max)); p++) out.push(10 ** p);
  return out;
}

/** A log-log line chart as an SVG document. */
export function logLogSvg(title: string, xLabel: string, yLabel: string, series: Series[]): string {
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  const xTicks = decades(Math.min(...xs), Math.max(...xs));
  const yTicks = decades(Math.min(...ys), Math.max(...ys));
  const [x0, x1] = [Math.log10(xTicks[0] as number), Math.log10(xTicks.at(-1) as number)];
  const [y0, y1] = [Math.log10(yTicks[0] as number), Math.log10(yTicks.at(-1) as number)];
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const sx = (x: number) => MARGIN.left + ((Math.log10(x) - x0) / (x1 - x0 || 1)) * plotW;
  const sy = (y: number) => MARGIN.top + plotH - ((Math.log10(y) - y0) / (y1 - y0 || 1)) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${MARGIN.left}" y="18" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (const t of xTicks) {
    parts.push(
      `<line x1="${sx(t)}" y1="${MARGIN.top}" x2="${sx(t)}" y2="${MARGIN.top + plotH}" stroke="#ddd"/>`,
    );
    parts.push(
      `<text x="${sx(t)}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${t.toLocaleString('en-US')}</text>`,
    );
  }
  for (const t of yTicks) {
    parts.push(
      `<line x1="${MARGIN.left}" y1="${sy(t)}" x2="${MARGIN.left + plotW}" y2="${sy(t)}" stroke="#ddd"/>`,
    );
    parts.push(
      `<text x="${MARGIN.left - 6}" y="${sy(t) + 4}" text-anchor="end">${t.toLocaleString('en-US')}</text>`,
    );
  }
  parts.push(
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 12}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const d = s.points
      .map((p, k) => `${k === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`)
      .join(' ');
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    for (const p of s.points)
      parts.push(`<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3" fill="${s.color}"/>`);
    const ly = MARGIN.top + 10 + i * 20;
    const lx = MARGIN.left + plotW + 14;
    parts.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`,
    );
    parts.push(`<text x="${lx + 30}" y="${ly + 4}">${escapeXml(s.label)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

interface FanOutJson {
  latencyMs: number;
  rows: Array<{ variant: string; throttle: string; subscribers: number; ms: number; floorMs: number }>;
}

const COLORS = ['#1f77b4', '#ff7f0e', '#d62728', '#2ca02c'];

if (import.meta.url === `file://${process.argv[1]}`) {
  const input = process.argv[2] ?? 'bench/results/fan-out-limit.json';
  const output = process.argv[3] ?? 'docs/images/fan-out.svg';
  const data = JSON.parse(readFileSync(input, 'utf8')) as FanOutJson;
  const rows = data.rows.filter((r) => r.throttle.startsWith('10000/s'));
  const variants = [...new Set(rows.map((r) => r.variant))];
  const sizes = [...new Set(rows.map((r) => r.subscribers))].sort((a, b) => a - b);
  const series: Series[] = variants.map((variant, i) => ({
    label: variant.split(',')[0] ?? variant,
    color: COLORS[i % COLORS.length] as string,
    points: rows.filter((r) => r.variant === variant).map((r) => ({ x: r.subscribers, y: r.ms })),
  }));
  series.push({
    label: 'floor',
    color: '#000',
    dashed: true,
    points: sizes.map((n) => ({ x: n, y: rows.find((r) => r.subscribers === n)?.floorMs ?? 1 })),
  });
  mkdirSync(path.dirname(output), { recursive: true });
  writeFileSync(
    output,
    logLogSvg(
      `Fan-out time vs subscribers (latency ${data.latencyMs} ms, 10,000/s, burst 5,000)`,
      'subscribers',
      'ms to the last post settled',
      series,
    ),
  );
  console.log(`wrote ${output} (${series.length} lines)`);
}

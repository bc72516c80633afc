/** The load run's memory plot: an SVG line chart, one line per process, that can go into a doc as is. */

/** One process's curve: RSS in bytes at each sample. */
export interface PlotSeries {
  label: string;
  color: string;
  values: number[];
}

const WIDTH = 720;
const HEIGHT = 300;
const LEFT = 56;
const RIGHT = 20;
const TOP = 64;
const BOTTOM = 40;
const LEGEND_COLUMN = 220;
const LEGEND_ROW = 14;

/** RSS curves (MB) against seconds since the first publish, with labelled axes and a legend. */
export function memoryPlot(title: string, seconds: readonly number[], series: readonly PlotSeries[]): string {
  const maxS = Math.max(1, ...seconds);
  const peakMb = Math.max(1, ...series.flatMap((s) => s.values)) / 1e6;
  const stepMb = peakMb > 1_000 ? 500 : peakMb > 400 ? 200 : peakMb > 100 ? 50 : 20;
  const maxMb = Math.ceil(peakMb / stepMb) * stepMb;
  const stepS = maxS > 600 ? 120 : maxS > 120 ? 60 : maxS > 40 ? 10 : 5;
  const x = (s: number) => LEFT + (s / maxS) * (WIDTH - LEFT - RIGHT);
  const y = (mb: number) => HEIGHT - BOTTOM - (mb / maxMb) * (HEIGHT - TOP - BOTTOM);
  const yTicks = Array.from({ length: maxMb / stepMb + 1 }, (_, k) => k * stepMb)
    .map(
      (mb) =>
        `<line x1="${LEFT - 4}" y1="${y(mb)}" x2="${WIDTH - RIGHT}" y2="${y(mb)}" stroke="#ddd"/><text x="${LEFT - 8}" y="${y(mb) + 4}" text-anchor="end">${mb}</text>`,
    )
    .join('\n');
  const xTicks = Array.from({ length: Math.floor(maxS / stepS) + 1 }, (_, k) => k * stepS)
    .map((s) => `<text x="${x(s)}" y="${HEIGHT - BOTTOM + 16}" text-anchor="middle">${s}</text>`)
    .join('\n');
  const legend = series
    .map((s, k) => {
      const lx = LEFT + (k % 3) * LEGEND_COLUMN;
      const ly = 22 + Math.floor(k / 3) * LEGEND_ROW;
      return `<rect x="${lx}" y="${ly}" width="10" height="10" fill="${s.color}"/><text x="${lx + 14}" y="${ly + 9}">${s.label}</text>`;
    })
    .join('\n');
  const lines = series
    .map((s) => {
      const points = s.values.map((v, i) => `${x(seconds[i] ?? 0).toFixed(1)},${y(v / 1e6).toFixed(1)}`);
      return `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points.join(' ')}"/>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="11">
<title>Memory (RSS) of every process during the load run</title>
<rect width="100%" height="100%" fill="white"/>
<text x="${LEFT}" y="14">${title}</text>
${legend}
${yTicks}
${xTicks}
<line x1="${LEFT}" y1="${HEIGHT - BOTTOM}" x2="${WIDTH - RIGHT}" y2="${HEIGHT - BOTTOM}" stroke="black"/>
<line x1="${LEFT}" y1="${TOP}" x2="${LEFT}" y2="${HEIGHT - BOTTOM}" stroke="black"/>
<text x="${(LEFT + WIDTH - RIGHT) / 2}" y="${HEIGHT - 6}" text-anchor="middle">seconds since the first publish</text>
<text x="14" y="${(TOP + HEIGHT - BOTTOM) / 2}" transform="rotate(-90 14 ${(TOP + HEIGHT - BOTTOM) / 2})" text-anchor="middle">RSS (MB)</text>
${lines}
</svg>
`;
}

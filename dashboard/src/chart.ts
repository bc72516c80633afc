import uPlot from 'uplot';
import type { SeriesStore } from './series-store.js';

// Distinct on light backgrounds and for the common colour-vision deficiencies (Okabe–Ito, then Tableau).
const PALETTE = [
  '#0072b2',
  '#d55e00',
  '#009e73',
  '#cc79a7',
  '#e69f00',
  '#56b4e9',
  '#000000',
  '#f0e442',
  '#8c564b',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

const HEIGHT_PX = 240;
const PHONE_HEIGHT_PX = 180;
const PHONE_WIDTH_PX = 600;
/** Radius (CSS px) of the hollow ring drawn over a point whose time is approximate. */
const APPROXIMATE_RING_PX = 5;

/**
 * A live uPlot line chart of one store's series (one unit), rebuilt when the set of series changes and
 * otherwise updated in place. The y axis is labelled with the unit. Points plotted at an approximate time
 * (see plot-time.ts) get a hollow ring. Publishes `data-points` and `data-series` on its container.
 */
export class LiveChart {
  #plot: uPlot | undefined;
  #version = -1;
  readonly #container: HTMLElement;
  readonly #store: SeriesStore;
  readonly #axisLabel: string | undefined;

  constructor(container: HTMLElement, store: SeriesStore, axisLabel: string | undefined) {
    this.#container = container;
    this.#store = store;
    this.#axisLabel = axisLabel;
    new ResizeObserver(() => this.#plot?.setSize(this.#size())).observe(container);
  }

  /** The y axis label uPlot was given (the unit), or null when none or not drawn yet. */
  get axisLabel(): string | null {
    const label = this.#plot?.axes[1]?.label;
    return typeof label === 'string' ? label : null;
  }

  /** Draws the store's current data. */
  render(): void {
    if (this.#store.version !== this.#version) this.#rebuild();
    else this.#plot?.setData(this.#store.data());
    this.#container.dataset.points = String(this.#store.pointCount);
    this.#container.dataset.approximatePoints = String(this.#store.approximateCount);
    this.#container.dataset.series = String(this.#store.names.length);
  }

  #rebuild(): void {
    this.#plot?.destroy();
    this.#plot = undefined;
    this.#version = this.#store.version;
    if (this.#store.names.length === 0) return;
    const series: uPlot.Series[] = [
      {},
      ...this.#store.names.map((label, i) => ({
        label,
        stroke: PALETTE[i % PALETTE.length],
        width: 2,
        spanGaps: true,
        points: { size: 5 },
      })),
    ];
    const options: uPlot.Options = {
      ...this.#size(),
      series,
      scales: { x: { time: true } },
      axes: [{}, this.#axisLabel === undefined ? {} : { label: this.#axisLabel, labelSize: 24 }],
      // Rows hold one message each, so most series have no value at the cursor: show names only.
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      hooks: { draw: [(plot) => this.#ringApproximatePoints(plot)] },
    };
    this.#plot = new uPlot(options, this.#store.data(), this.#container);
  }

  /** A hollow ring in the series colour over every point whose time is only approximate. */
  #ringApproximatePoints(plot: uPlot): void {
    const [xs, ...columns] = this.#store.data();
    const { ctx, bbox } = plot;
    const radius = APPROXIMATE_RING_PX * devicePixelRatio;
    ctx.save();
    ctx.lineWidth = 2 * devicePixelRatio;
    columns.forEach((column, i) => {
      if (plot.series[i + 1]?.show === false) return;
      ctx.strokeStyle = PALETTE[i % PALETTE.length] ?? '#000';
      column.forEach((value, row) => {
        const x = xs[row];
        if (value === null || x === undefined || !this.#store.isApproximate(row)) return;
        const cx = plot.valToPos(x, 'x', true);
        const cy = plot.valToPos(value, 'y', true);
        if (cx < bbox.left || cx > bbox.left + bbox.width || cy < bbox.top || cy > bbox.top + bbox.height)
          return;
        ctx.beginPath();
        ctx.fillStyle = '#fff';
        ctx.arc(cx, cy, radius, 0, 2 * Math.PI);
        ctx.fill();
        ctx.stroke();
      });
    });
    ctx.restore();
  }

  #size(): { width: number; height: number } {
    const width = Math.max(200, this.#container.clientWidth);
    return { width, height: width < PHONE_WIDTH_PX ? PHONE_HEIGHT_PX : HEIGHT_PX };
  }
}

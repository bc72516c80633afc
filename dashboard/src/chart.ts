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

const HEIGHT_PX = 280;
const PHONE_HEIGHT_PX = 200;
const PHONE_WIDTH_PX = 600;

/**
 * A live uPlot line chart of the store's series, rebuilt when the set of series changes and otherwise
 * updated in place. The number of points drawn is published as `data-points` on the container.
 */
export class LiveChart {
  #plot: uPlot | undefined;
  #version = -1;
  readonly #container: HTMLElement;
  readonly #store: SeriesStore;

  constructor(container: HTMLElement, store: SeriesStore) {
    this.#container = container;
    this.#store = store;
    new ResizeObserver(() => this.#plot?.setSize(this.#size())).observe(container);
  }

  /** Draws the store's current data. */
  render(): void {
    if (this.#store.version !== this.#version) this.#rebuild();
    else this.#plot?.setData(this.#store.data());
    this.#container.dataset.points = String(this.#store.pointCount);
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
      // Rows hold one message each, so most series have no value at the cursor: show names only.
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
    };
    this.#plot = new uPlot(options, this.#store.data(), this.#container);
  }

  #size(): { width: number; height: number } {
    const width = Math.max(200, this.#container.clientWidth);
    return { width, height: width < PHONE_WIDTH_PX ? PHONE_HEIGHT_PX : HEIGHT_PX };
  }
}

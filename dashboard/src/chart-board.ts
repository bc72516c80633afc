import { LiveChart } from './chart.js';
import { element } from './dom.js';
import type { Reading } from './numeric.js';
import { type ChartPoint, SeriesStore } from './series-store.js';

/** The bounds of the board: how many charts, and rows and series per chart. */
export interface ChartBoardLimits {
  maxCharts: number;
  maxRows: number;
  maxSeries: number;
}

/** One chart as the test hook reports it. */
export interface ChartSnapshot {
  /** The unit of every series in it; `null` for the chart of readings without a unit. */
  unit: string | null;
  /** The y axis label the chart was drawn with (the unit); null without a unit. */
  axisLabel: string | null;
  series: { name: string; points: ChartPoint[] }[];
}

interface UnitChart {
  unit: string | null;
  store: SeriesStore;
  chart: LiveChart;
  note: HTMLElement;
}

/** The title of a unit's chart. */
export function chartTitle(unit: string | null): string {
  return unit === null ? 'Values without a unit' : `Values in ${unit}`;
}

/**
 * One chart per unit (°C and % on one axis read badly), created as readings of a new unit arrive, in the
 * order units first appear; readings without a unit share one chart with an unlabelled axis. Units past
 * `maxCharts` are not charted (their frames still show in the list). Publishes `data-charts` and
 * `data-points` (all charts) on its container.
 */
export class ChartBoard {
  readonly #charts: UnitChart[] = [];
  readonly #container: HTMLElement;
  readonly #limits: ChartBoardLimits;

  constructor(container: HTMLElement, limits: ChartBoardLimits) {
    this.#container = container;
    this.#limits = limits;
    container.dataset.charts = '0';
    container.dataset.points = '0';
  }

  /** Adds one message's readings at `atMs`, each to its unit's chart. */
  add(atMs: number, readings: readonly Reading[], approximate: boolean): void {
    const byUnit = new Map<string | null, Reading[]>();
    for (const reading of readings) {
      const unit = reading.unit ?? null;
      byUnit.set(unit, [...(byUnit.get(unit) ?? []), reading]);
    }
    for (const [unit, group] of byUnit) this.#chartFor(unit)?.store.add(atMs, group, approximate);
  }

  /** Draws every chart. */
  render(): void {
    let points = 0;
    for (const { store, chart, note } of this.#charts) {
      chart.render();
      points += store.pointCount;
      note.hidden = store.approximateCount === 0;
    }
    this.#container.dataset.charts = String(this.#charts.length);
    this.#container.dataset.points = String(points);
  }

  /** What every chart holds, for the test hook. */
  snapshot(): ChartSnapshot[] {
    return this.#charts.map(({ unit, store, chart }) => ({
      unit,
      axisLabel: chart.axisLabel,
      series: store.points(),
    }));
  }

  #chartFor(unit: string | null): UnitChart | undefined {
    const found = this.#charts.find((c) => c.unit === unit);
    if (found !== undefined || this.#charts.length >= this.#limits.maxCharts) return found;
    const section = element('figure', 'unit-chart');
    section.dataset.unit = unit ?? '';
    const plot = element('div', 'chart');
    const note = element(
      'figcaption',
      'approximate-note',
      '○ Hollow points are shown at the time they were received: the frame had no trustworthy time ' +
        '(device clock not synchronised or stepped back, or a stored frame without a time).',
    );
    note.hidden = true;
    section.append(element('h3', 'chart-title', chartTitle(unit)), plot, note);
    this.#container.append(section);
    const store = new SeriesStore(this.#limits.maxRows, this.#limits.maxSeries);
    const created = { unit, store, chart: new LiveChart(plot, store, unit ?? undefined), note };
    this.#charts.push(created);
    return created;
  }
}

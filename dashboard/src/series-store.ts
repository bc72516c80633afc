import type { Reading } from './numeric.js';

/** uPlot's aligned data: the x values (seconds), then one array per series with null where it has no value. */
export type AlignedData = [number[], ...(number | null)[][]];

/** One charted value, as the test hook reports it. */
export interface ChartPoint {
  /** The time it is plotted at, epoch ms (the frame's `ts`, or its receipt time). */
  ts: number;
  value: number;
  /** Plotted at receipt time because the frame's own time is missing or untrusted (a hollow marker). */
  approximate: boolean;
}

/**
 * Rows that land on the same millisecond are spread by this much (seconds), since uPlot needs strictly
 * increasing x values; one microsecond is far below what the chart can show and keeps epoch seconds exact.
 */
const SAME_TIME_STEP_S = 1e-6;

/**
 * The data of one chart, bounded: one row per message with numeric readings, at most `maxRows` rows and
 * `maxSeries` series. Rows are kept in time order whatever order they arrive in (a late or replayed frame is
 * inserted where its time falls), with strictly increasing x values, as uPlot needs. Past `maxRows` the
 * earliest rows are dropped.
 */
export class SeriesStore {
  readonly #names: string[] = [];
  #xs: number[] = [];
  #times: number[] = [];
  #approximate: boolean[] = [];
  #columns: (number | null)[][] = [];
  readonly #maxRows: number;
  readonly #maxSeries: number;
  /** Bumped whenever the set of series changes (the chart is then rebuilt). */
  version = 0;

  constructor(maxRows: number, maxSeries: number) {
    this.#maxRows = maxRows;
    this.#maxSeries = maxSeries;
  }

  /** The series names, in chart order. */
  get names(): readonly string[] {
    return this.#names;
  }

  /** How many values the chart holds (the number of points drawn). */
  get pointCount(): number {
    return this.#columns.reduce((sum, column) => sum + column.filter((v) => v !== null).length, 0);
  }

  /** How many of them are plotted at an approximate time. */
  get approximateCount(): number {
    return this.#approximate.reduce(
      (sum, approximate, row) =>
        approximate ? sum + this.#columns.filter((column) => column[row] !== null).length : sum,
      0,
    );
  }

  /**
   * Adds one row at `atMs` with the readings, in time order; readings of series past `maxSeries` are
   * dropped. `approximate` marks the row's time as a stand-in (see plot-time.ts).
   */
  add(atMs: number, readings: readonly Reading[], approximate = false): void {
    const charted = readings.filter((r) => this.#ensureSeries(r.series));
    if (charted.length === 0) return;
    const { index, x } = this.#slot(atMs / 1000);
    this.#xs.splice(index, 0, x);
    this.#times.splice(index, 0, atMs);
    this.#approximate.splice(index, 0, approximate);
    for (const column of this.#columns) column.splice(index, 0, null);
    for (const reading of charted) {
      const column = this.#columns[this.#names.indexOf(reading.series)];
      if (column !== undefined) column[index] = reading.value;
    }
    if (this.#xs.length > this.#maxRows) this.#dropOldest(this.#xs.length - this.#maxRows);
  }

  /** The data in uPlot's shape. */
  data(): AlignedData {
    return [this.#xs, ...this.#columns];
  }

  /** Whether row `row` (an index into data()) is plotted at an approximate time. */
  isApproximate(row: number): boolean {
    return this.#approximate[row] === true;
  }

  /** Each series' points in time order, for the test hook. */
  points(): { name: string; points: ChartPoint[] }[] {
    return this.#names.map((name, i) => {
      const points: ChartPoint[] = [];
      this.#columns[i]?.forEach((value, row) => {
        if (value !== null)
          points.push({ ts: this.#times[row] ?? 0, value, approximate: this.#approximate[row] === true });
      });
      return { name, points };
    });
  }

  /** Where a row at `x` goes, and its x moved just past any rows already at the same time. */
  #slot(wanted: number): { index: number; x: number } {
    let low = 0;
    let high = this.#xs.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((this.#xs[mid] ?? 0) <= wanted) low = mid + 1;
      else high = mid;
    }
    let index = low;
    let x = wanted;
    // xs[index - 1] <= wanted < xs[index]: step past an equal time, and past any rows that step reaches.
    const previous = this.#xs[index - 1];
    if (previous !== undefined && previous >= x) x = previous + SAME_TIME_STEP_S;
    for (let next = this.#xs[index]; next !== undefined && next <= x; next = this.#xs[index]) {
      x = next + SAME_TIME_STEP_S;
      index += 1;
    }
    return { index, x };
  }

  #ensureSeries(name: string): boolean {
    if (this.#names.includes(name)) return true;
    if (this.#names.length >= this.#maxSeries) return false;
    this.#names.push(name);
    this.#columns.push(this.#xs.map(() => null));
    this.version += 1;
    return true;
  }

  #dropOldest(count: number): void {
    this.#xs = this.#xs.slice(count);
    this.#times = this.#times.slice(count);
    this.#approximate = this.#approximate.slice(count);
    this.#columns = this.#columns.map((column) => column.slice(count));
    // A series with no value left leaves the chart, making room for new ones.
    for (let i = this.#names.length - 1; i >= 0; i--) {
      if (this.#columns[i]?.every((v) => v === null)) {
        this.#names.splice(i, 1);
        this.#columns.splice(i, 1);
        this.version += 1;
      }
    }
  }
}

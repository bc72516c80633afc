import type { Reading } from './numeric.js';

/** uPlot's aligned data: the x values (seconds), then one array per series with null where it has no value. */
export type AlignedData = [number[], ...(number | null)[][]];

/**
 * The chart's data, bounded: one row per message with numeric readings, at most `maxRows` rows and
 * `maxSeries` series. Rows keep strictly increasing x values, as uPlot needs.
 */
export class SeriesStore {
  readonly #names: string[] = [];
  #xs: number[] = [];
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

  /** Adds one row at `atMs` with the readings; readings of series past `maxSeries` are dropped. */
  add(atMs: number, readings: readonly Reading[]): void {
    const charted = readings.filter((r) => this.#ensureSeries(r.series));
    if (charted.length === 0) return;
    const last = this.#xs.at(-1);
    const x = last === undefined ? atMs / 1000 : Math.max(atMs / 1000, last + 0.001);
    this.#xs.push(x);
    for (const column of this.#columns) column.push(null);
    for (const reading of charted) {
      const column = this.#columns[this.#names.indexOf(reading.series)];
      if (column !== undefined) column[column.length - 1] = reading.value;
    }
    if (this.#xs.length > this.#maxRows) this.#dropOldest(this.#xs.length - this.#maxRows);
  }

  /** The data in uPlot's shape. */
  data(): AlignedData {
    return [this.#xs, ...this.#columns];
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

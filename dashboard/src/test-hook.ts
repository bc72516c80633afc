import type { ChartBoard, ChartSnapshot } from './chart-board.js';

/**
 * The page's read-only test hook, `window.__dashboard`: what the charts hold, for the browser tests and
 * benchmarks (docs/CLIENT.md, "Test hooks"). Each call returns a fresh copy; nothing on it changes the page.
 */
export interface DashboardTestHook {
  /** Every chart (one per unit) with its series and their points in time order. */
  charts(): ChartSnapshot[];
}

/** Installs `window.__dashboard` (not writable, not configurable). */
export function installTestHook(board: ChartBoard): void {
  const hook: DashboardTestHook = Object.freeze({ charts: () => structuredClone(board.snapshot()) });
  Object.defineProperty(globalThis, '__dashboard', { value: hook, writable: false, configurable: false });
}

import type { JsonValue } from '@topic-bridge/shared-types';
import { MAX_TS_AHEAD_MS } from './config.js';

/**
 * Where a point's time comes from:
 * - `device`: the frame's own `ts` (the device agent stamps the read time, epoch ms);
 * - `receipt`: a live frame without `ts`, plotted when the page received it;
 * - `unsynced` / `behind`: the agent marked its clock (`clock` field, device-agent/src/stamp/stamp.ts) as not
 *   yet synchronised or stepped back, so its `ts` cannot be trusted;
 * - `ahead`: a `ts` more than MAX_TS_AHEAD_MS ahead of this browser's clock;
 * - `unknown`: a frame from storage (retained or history) without `ts`: its receipt time says nothing of
 *   when it was published.
 * Every source but `device` and `receipt` is approximate: plotted at receipt time, with a hollow marker.
 */
export type TimeSource = 'device' | 'receipt' | 'unsynced' | 'behind' | 'ahead' | 'unknown';

/** Where to plot a frame, and whether that time is only approximate. */
export interface PlotTime {
  atMs: number;
  source: TimeSource;
  approximate: boolean;
}

/** A received frame's fields; `ts` and `clock` decide its time. */
export type TimedFrame = { readonly [field: string]: JsonValue | undefined };

const atReceipt = (receivedAt: number, source: TimeSource): PlotTime => ({
  atMs: receivedAt,
  source,
  approximate: source !== 'receipt',
});

/** The time to plot a frame at: its own `ts` when it has a trustworthy one, else its receipt time. */
export function plotTime(frame: TimedFrame, receivedAt: number, fromStorage = false): PlotTime {
  if (frame.clock === 'unsynced' || frame.clock === 'behind') return atReceipt(receivedAt, frame.clock);
  const ts = frame.ts;
  if (typeof ts === 'number' && Number.isFinite(ts) && ts > 0) {
    if (ts > receivedAt + MAX_TS_AHEAD_MS) return atReceipt(receivedAt, 'ahead');
    return { atMs: ts, source: 'device', approximate: false };
  }
  return atReceipt(receivedAt, fromStorage ? 'unknown' : 'receipt');
}

/** Why a point's time is approximate, for people (the chart's legend note and the frame list). */
export function describeTimeSource(source: TimeSource): string {
  switch (source) {
    case 'device':
      return 'device time';
    case 'receipt':
      return 'receipt time';
    case 'unsynced':
      return 'device clock not synchronised: shown at receipt time';
    case 'behind':
      return 'device clock stepped back: shown at receipt time';
    case 'ahead':
      return 'device time is in the future: shown at receipt time';
    case 'unknown':
      return 'stored frame without a time: shown at receipt time';
  }
}

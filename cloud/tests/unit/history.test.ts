import { describe, expect, it } from 'vitest';
import {
  type HistoryRow,
  historyCovers,
  historyExpiresAt,
  historyKeptFor,
  historyPartition,
  historyPosition,
  oldestKeptMs,
  POSITION_TOP,
  positionAt,
  readStartMs,
  ringSlot,
  rowKept,
  sinceIdCollector,
} from '../../src/core/history.js';

const config = { filters: ['sensors/#', 'demo/+/t'] };

const row = (frameId: string, topic = 'a/b', expiresAt = 2_000): HistoryRow => ({
  position: frameId,
  topic,
  frame: `{"id":"${frameId}"}`,
  frameId,
  expiresAt,
});

describe('which topics keep a history', () => {
  it('keeps the topics a history filter matches', () => {
    expect(
      ['sensors/a/t', 'sensors', 'demo/x/t', 'demo/x/h', 'other'].map((t) => historyKeptFor(config, t)),
    ).toEqual([true, true, true, false, false]);
  });

  it('serves a request filter only when the history filters cover all it can match', () => {
    expect(
      ['sensors/#', 'sensors/+/t', 'demo/x/t', 'demo/+/t', 'demo/#', '#', '+/t'].map((f) =>
        historyCovers(config, f),
      ),
    ).toEqual([true, true, true, true, false, false, false]);
  });

  it('partitions by first level, and has no partition for a wildcard first level', () => {
    expect(['sensors/a/t', 'sensors/#', 'sensors', '/a', '+/t', '#'].map(historyPartition)).toEqual([
      'sensors/',
      'sensors/',
      'sensors/',
      '/',
      undefined,
      undefined,
    ]);
  });
});

describe('positions and bounds', () => {
  it('orders by receive time, then by the instance, then by its counter', () => {
    const positions = [
      historyPosition(1_000, 'b', 0),
      historyPosition(999, 'z', 7),
      historyPosition(1_000, 'a', 5),
      historyPosition(1_000, 'a', 12),
      historyPosition(1_000, 'a', 3),
    ];
    expect([...positions].sort()).toEqual([
      '000000000000999#z#000000000007',
      '000000000001000#a#000000000003',
      '000000000001000#a#000000000005',
      '000000000001000#a#000000000012',
      '000000000001000#b#000000000000',
    ]);
    expect(positions.every((p) => p < POSITION_TOP && p >= positionAt(999))).toBe(true);
  });

  it('keeps frames for maxAge, exactly to the millisecond, and rounds the TTL up', () => {
    expect(oldestKeptMs(100_000, 60)).toBe(40_000);
    expect(historyExpiresAt(40_001, 60)).toBe(101);
    expect(readStartMs({ kind: 'oldest' }, 100_000, 60)).toBe(40_000);
    expect(readStartMs({ kind: 'time', ms: 50_000 }, 100_000, 60)).toBe(50_001);
    expect(readStartMs({ kind: 'time', ms: 1 }, 100_000, 60)).toBe(40_000);
  });

  it('skips rows past their TTL and rows of other topics', () => {
    expect(rowKept(row('1', 'a/b', 10), 'a/#', 9_999)).toBe(true);
    expect(rowKept(row('1', 'a/b', 10), 'a/#', 10_000)).toBe(false);
    expect(rowKept(row('1', 'a/c', 10), 'a/b', 0)).toBe(false);
  });

  it('takes ring slots round-robin', () => {
    expect([1, 2, 3, 4, 100, 101].map((seq) => ringSlot(seq, 100))).toEqual([1, 2, 3, 4, 0, 1]);
  });
});

describe('sinceIdCollector (fed newest first)', () => {
  it('returns the frames after the id, oldest first, the first `limit` of them, and `more`', () => {
    const collector = sinceIdCollector('2', 2);
    const fed = ['6', '5', '4', '3', '2'].map((id) => collector.offer(row(id)));
    expect(fed).toEqual([true, true, true, true, false]);
    expect(collector.page(3)).toEqual({
      rows: [row('3'), row('4')],
      more: true,
      sinceFound: true,
      readUnits: 3,
    });
  });

  it('says when the id is the newest (nothing after it)', () => {
    const collector = sinceIdCollector('9', 5);
    expect(collector.offer(row('9'))).toBe(false);
    expect(collector.page(0)).toEqual({ rows: [], more: false, sinceFound: true, readUnits: 0 });
  });

  it('starts at the oldest kept frame when the id never comes (aged out)', () => {
    const collector = sinceIdCollector('gone', 2);
    for (const id of ['3', '2', '1']) collector.offer(row(id));
    expect(collector.page(0)).toEqual({
      rows: [row('1'), row('2')],
      more: true,
      sinceFound: false,
      readUnits: 0,
    });
  });
});

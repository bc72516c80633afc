import { MAX_FRAME_BYTES } from '@topic-bridge/shared-types';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_LEVEL_PARTITION,
  type RetainedItem,
  retainedChange,
  retainedLookupFor,
  retainedPartitionOf,
  retainedVersion,
  selectRetained,
} from '../../src/core/retained.js';

const TTLS = { ttlSeconds: 7 * 24 * 3600, tombstoneTtlSeconds: 3600 };
const AT = 1_800_000_000_123;

describe('retainedChange', () => {
  it('keeps the whole frame text for "retain": true, expiring after the TTL', () => {
    const text = '{"topic":"a/b","message":21.5,"retain":true,"ts":1}';
    expect(retainedChange({ topic: 'a/b', message: 21.5, retain: true, ts: 1 }, text, AT, TTLS)).toEqual({
      kind: 'set',
      item: {
        topic: 'a/b',
        frame: text,
        version: retainedVersion(AT, text),
        expiresAt: 1_800_000_000 + TTLS.ttlSeconds,
      },
    });
  });

  it('clears with a tombstone (no frame) for a null message, expiring after the tombstone TTL', () => {
    const text = '{"topic":"a/b","message":null,"retain":true}';
    expect(retainedChange({ topic: 'a/b', message: null, retain: true }, text, AT, TTLS)).toEqual({
      kind: 'clear',
      item: { topic: 'a/b', version: retainedVersion(AT, text), expiresAt: 1_800_003_600, cleared: true },
    });
  });

  it('changes nothing without "retain": true', () => {
    expect(retainedChange({ topic: 'a', message: 1 }, '{"topic":"a","message":1}', AT, TTLS)).toBeUndefined();
    expect(
      retainedChange({ topic: 'a', message: null, retain: false }, '{"topic":"a","message":null}', AT, TTLS),
    ).toBeUndefined();
  });
});

describe('retainedVersion', () => {
  it('orders by receive time first, as strings, whatever the frames', () => {
    const older = retainedVersion(999, 'zzz');
    const newer = retainedVersion(1_000, 'aaa');
    expect(older < newer).toBe(true);
    expect(older).toMatch(/^000000000000999#[0-9a-f]{16}$/);
  });

  it('is the same for the same frame at the same time (a retry), and differs for another frame', () => {
    expect(retainedVersion(AT, 'x')).toBe(retainedVersion(AT, 'x'));
    expect(retainedVersion(AT, 'x')).not.toBe(retainedVersion(AT, 'y'));
    expect(retainedVersion(AT, 'x').slice(0, 15)).toBe(retainedVersion(AT, 'y').slice(0, 15));
  });
});

describe('retainedLookupFor', () => {
  it.each([
    ['a/b/c', { kind: 'query', partition: 'a', exact: true, topic: 'a/b/c' }],
    ['a', { kind: 'query', partition: 'a', exact: true, topic: 'a' }],
    ['a/+/c', { kind: 'query', partition: 'a', exact: false, prefix: 'a' }],
    ['a/b/#', { kind: 'query', partition: 'a', exact: false, prefix: 'a/b' }],
    ['a/#', { kind: 'query', partition: 'a', exact: false, prefix: 'a' }],
    ['/x/+', { kind: 'query', partition: EMPTY_LEVEL_PARTITION, exact: false, prefix: '/x' }],
    ['+/x', { kind: 'scan' }],
    ['#', { kind: 'scan' }],
    ['+', { kind: 'scan' }],
  ])('reads %s with %o', (filter, lookup) => {
    expect(retainedLookupFor(filter)).toEqual(lookup);
  });

  it('keys a topic by its first level ($empty for an empty one)', () => {
    expect([retainedPartitionOf('a/b'), retainedPartitionOf('a'), retainedPartitionOf('/b')]).toEqual([
      'a',
      'a',
      '$empty',
    ]);
  });
});

describe('selectRetained', () => {
  const NOW_MS = 1_800_000_000_000;
  const live = (topic: string, ms: number, extra: Partial<RetainedItem> = {}): RetainedItem => ({
    topic,
    frame: `{"topic":"${topic}","message":${ms}}`,
    version: retainedVersion(ms, topic),
    expiresAt: NOW_MS / 1000 + 60,
    ...extra,
  });

  it('returns the matching live values newest first, each marked as a retained replay', () => {
    const items = [live('a/1', 10), live('a/2', 30), live('b/1', 40), live('a/3', 20)];
    expect(selectRetained(items, 'a/+', { nowMs: NOW_MS, max: 100, readIncomplete: false })).toEqual({
      frames: [
        '{"topic":"a/2","message":30,"replay":"retained"}',
        '{"topic":"a/3","message":20,"replay":"retained"}',
        '{"topic":"a/1","message":10,"replay":"retained"}',
      ],
      truncated: false,
    });
  });

  it('drops tombstones and items expired at the injected clock (expiresAt = now is expired)', () => {
    const items = [
      live('a/live', 1),
      {
        topic: 'a/cleared',
        version: retainedVersion(2, 'c'),
        expiresAt: NOW_MS / 1000 + 60,
        cleared: true as const,
      },
      live('a/expired', 3, { expiresAt: NOW_MS / 1000 }),
    ];
    expect(selectRetained(items, '#', { nowMs: NOW_MS, max: 100, readIncomplete: false }).frames).toEqual([
      '{"topic":"a/live","message":1,"replay":"retained"}',
    ]);
    // One second earlier the expired one was still alive.
    expect(
      selectRetained(items, '#', { nowMs: NOW_MS - 1000, max: 100, readIncomplete: false }).frames,
    ).toEqual([
      '{"topic":"a/expired","message":3,"replay":"retained"}',
      '{"topic":"a/live","message":1,"replay":"retained"}',
    ]);
  });

  it('keeps the newest `max` and says it cut; an incomplete read is truncated too', () => {
    const items = [live('a/1', 1), live('a/2', 2), live('a/3', 3)];
    expect(selectRetained(items, 'a/#', { nowMs: NOW_MS, max: 2, readIncomplete: false })).toEqual({
      frames: [
        '{"topic":"a/3","message":3,"replay":"retained"}',
        '{"topic":"a/2","message":2,"replay":"retained"}',
      ],
      truncated: true,
    });
    expect(selectRetained(items, 'a/#', { nowMs: NOW_MS, max: 3, readIncomplete: false }).truncated).toBe(
      false,
    );
    expect(selectRetained(items, 'a/#', { nowMs: NOW_MS, max: 3, readIncomplete: true }).truncated).toBe(
      true,
    );
  });

  it('skips a value that its replay mark would push past MAX_FRAME_BYTES (API Gateway would refuse the post)', () => {
    const frameOf = (bytes: number) => {
      const head = '{"topic":"big","message":"';
      return `${head}${'x'.repeat(bytes - head.length - 2)}"}`;
    };
    const mark = ',"replay":"retained"'.length;
    const fits = { ...live('big', 2), frame: frameOf(MAX_FRAME_BYTES - mark) };
    const over = { ...live('big', 2), frame: frameOf(MAX_FRAME_BYTES - mark + 1) };
    expect(
      selectRetained([fits], 'big', { nowMs: NOW_MS, max: 100, readIncomplete: false }).frames,
    ).toHaveLength(1);
    expect(selectRetained([over], 'big', { nowMs: NOW_MS, max: 100, readIncomplete: false })).toEqual({
      frames: [],
      truncated: false,
    });
  });

  it('matches the filter exactly: a/b/# includes a/b, a prefix read also finds a/bc, which does not match', () => {
    const items = [live('a/b', 1), live('a/bc', 2), live('a/b/c', 3)];
    expect(selectRetained(items, 'a/b/#', { nowMs: NOW_MS, max: 100, readIncomplete: false }).frames).toEqual(
      [
        '{"topic":"a/b/c","message":3,"replay":"retained"}',
        '{"topic":"a/b","message":1,"replay":"retained"}',
      ],
    );
  });
});

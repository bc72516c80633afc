import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MAX_FRAME_BYTES } from '@topic-bridge/shared-types';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CLOCK_RECHECK_MS,
  CLOCK_STEP_BACK_TOLERANCE_MS,
  createClockCheck,
  createClockStepDetector,
  TIMESYNCD_DIR,
  TIMESYNCD_SYNCHRONIZED_FLAG,
} from '../../../src/stamp/clock.js';
import { fileSequence } from '../../../src/stamp/sequence.js';
import { stampReading } from '../../../src/stamp/stamp.js';
import { tempDir } from '../../support/temp-dir.js';

const JUNE_2025 = Date.UTC(2025, 5, 1);

describe('stampReading', () => {
  it('adds id, ts, device and seq, and flags an unsynchronised clock', () => {
    const synced = stampReading(
      { topic: 'a/b', message: { c: 1 } },
      { device: 'pi-1', seq: 7, now: JUNE_2025, clockSynced: true },
    );
    const text = JSON.stringify({
      topic: 'a/b',
      message: { c: 1 },
      id: 'pi-1-7',
      ts: JUNE_2025,
      device: 'pi-1',
      seq: 7,
    });
    // The bytes the queue stores are the text's UTF-8, encoded once.
    expect(synced).toEqual({ ok: true, id: 'pi-1-7', text });
    const unsynced = stampReading(
      { topic: 'a/b', message: 1, readAt: 5 },
      { device: 'pi-1', seq: 8, now: 9, clockSynced: false },
    );
    expect(unsynced.ok && JSON.parse(unsynced.text)).toEqual({
      topic: 'a/b',
      message: 1,
      id: 'pi-1-8',
      ts: 5,
      device: 'pi-1',
      seq: 8,
      clock: 'unsynced',
    });
  });

  it('refuses a frame over the size limit and a bad topic, saying why', () => {
    const context = { device: 'd', seq: 1, now: 1, clockSynced: true };
    const big = stampReading({ topic: 't', message: 'x'.repeat(MAX_FRAME_BYTES) }, context);
    expect(big).toEqual({
      ok: false,
      reason: expect.stringMatching(
        /^the frame would be \d+ bytes; the bridge accepts at most 131072 bytes \(topic t\)$/,
      ),
    });
    expect(stampReading({ topic: 'a/+', message: 1 }, context)).toEqual({
      ok: false,
      reason: expect.stringContaining('wildcard'),
    });
  });
});

describe('clock check', () => {
  it('is unsynchronised before 2024, and where timesyncd runs until its flag exists; then stays synchronised', () => {
    let now = Date.UTC(1970, 0, 1);
    const files = new Set([TIMESYNCD_DIR]);
    const check = createClockCheck({ now: () => now, exists: (f) => files.has(f) });
    expect(check()).toBe(false);
    now = JUNE_2025;
    expect(check()).toBe(false);
    files.add(TIMESYNCD_SYNCHRONIZED_FLAG);
    expect(check()).toBe(false);
    now += CLOCK_RECHECK_MS;
    expect(check()).toBe(true);
    files.clear();
    expect(check()).toBe(true);
  });

  it('trusts a plausible year where timesyncd does not run', () => {
    expect(createClockCheck({ now: () => JUNE_2025, exists: () => false })()).toBe(true);
  });
});

describe('fileSequence', () => {
  const removers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const remove of removers.splice(0)) await remove();
  });

  it('continues after a restart from the reserved bound, never reusing a number', async () => {
    const { dir, remove } = await tempDir('seq');
    removers.push(remove);
    const first = await fileSequence(dir, 10);
    const taken = [];
    for (let i = 0; i < 25; i++) taken.push(await first.next());
    expect(taken).toEqual(Array.from({ length: 25 }, (_, i) => i));
    await first.settled();
    expect((await readFile(path.join(dir, 'sequence'), 'utf8')).trim()).toBe('30');
    const second = await fileSequence(dir, 10);
    expect([await second.next(), await second.next()]).toEqual([30, 31]);
    const concurrent = await Promise.all(Array.from({ length: 30 }, () => second.next()));
    expect(new Set(concurrent).size).toBe(30);
    expect(Math.min(...concurrent)).toBe(32);
  });

  it('hands out numbers without waiting while the block lasts, and reserves the next block ahead', async () => {
    const { dir, remove } = await tempDir('seq');
    removers.push(remove);
    const sequence = await fileSequence(dir, 10);
    const taken = [];
    for (let i = 0; i < 10; i++) taken.push(sequence.tryNext());
    expect(taken).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await sequence.settled();
    // 0..9 were reserved at open; at 5 (half) the block up to 20 was written without anyone waiting for it.
    expect((await readFile(path.join(dir, 'sequence'), 'utf8')).trim()).toBe('20');
    expect(sequence.tryNext()).toBe(10);
  });
});

describe('createClockStepDetector', () => {
  it('flags timestamps behind the latest one by more than the tolerance, until the clock catches up', () => {
    const behind = createClockStepDetector();
    expect([1_000_000, 1_000_500, 1_000_500 - CLOCK_STEP_BACK_TOLERANCE_MS].map(behind)).toEqual([
      false,
      false,
      false,
    ]);
    const stepped = 1_000_500 - 3_600_000;
    expect([stepped, stepped + 1000, 1_000_499 - CLOCK_STEP_BACK_TOLERANCE_MS].map(behind)).toEqual([
      true,
      true,
      true,
    ]);
    expect([1_000_500, 1_000_600].map(behind)).toEqual([false, false]);
  });

  it('marks the frame clock "behind" on a synchronised clock, "unsynced" taking precedence', () => {
    const base = { device: 'd', seq: 1, now: JUNE_2025 };
    const behind = stampReading(
      { topic: 'a', message: 1 },
      { ...base, clockSynced: true, clockBehind: true },
    );
    expect(behind.ok && JSON.parse(behind.text).clock).toBe('behind');
    const both = stampReading({ topic: 'a', message: 1 }, { ...base, clockSynced: false, clockBehind: true });
    expect(both.ok && JSON.parse(both.text).clock).toBe('unsynced');
  });
});

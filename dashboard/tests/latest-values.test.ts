import { describe, expect, it } from 'vitest';
import { describeAge, timeOfDay } from '../src/age.js';
import { describeGap } from '../src/gap-notes.js';
import { describeLatest, describeValue, type LatestValue, LatestValues } from '../src/latest-values.js';
import { viewMessage } from '../src/message-view.js';
import { numericReadings } from '../src/numeric.js';

const value = (topic: string, atMs: number, replay?: 'retained' | 'history', text = String(atMs)) =>
  ({ topic, text, atMs, approximate: false, ...(replay === undefined ? {} : { replay }) }) as LatestValue;

describe('LatestValues', () => {
  it('keeps a stored value until a live one replaces it; a stored one never replaces a live one', () => {
    const latest = new LatestValues(10);
    expect(latest.offer(value('a', 1_000, 'retained'))).toBe(true);
    expect(latest.offer(value('a', 500, 'history'))).toBe(false);
    expect(latest.offer(value('a', 2_000, 'history'))).toBe(true);
    expect(latest.offer(value('a', 100))).toBe(true);
    expect(latest.offer(value('a', 9_000, 'retained'))).toBe(false);
    expect(latest.offer(value('a', 50))).toBe(false);
    expect(latest.offer(value('a', 100, undefined, 'same time, later'))).toBe(true);
    expect(latest.list()).toEqual([value('a', 100, undefined, 'same time, later')]);
  });

  it('lists by topic and drops the topic updated longest ago past its bound', () => {
    const latest = new LatestValues(2);
    latest.offer(value('b', 1));
    latest.offer(value('a', 2));
    latest.offer(value('b', 3));
    latest.offer(value('c', 4));
    expect(latest.list().map((v) => v.topic)).toEqual(['b', 'c']);
    latest.retain((topic) => topic !== 'b');
    expect(latest.list().map((v) => v.topic)).toEqual(['c']);
  });
});

describe('latest value text', () => {
  it('says where a value came from and how old a stored one is', () => {
    const now = 1_700_000_000_000;
    expect(
      describeLatest({ atMs: now - 3 * 60_000 - 5_000, approximate: false, replay: 'retained' }, now),
    ).toBe('retained · 3 min ago');
    expect(describeLatest({ atMs: now, approximate: true, replay: 'retained' }, now)).toBe(
      'retained · age unknown',
    );
    expect(describeLatest({ atMs: now - 40_000, approximate: false, replay: 'history' }, now)).toBe(
      'history · 40 s ago',
    );
    expect(describeLatest({ atMs: now, approximate: false }, now)).toBe(`live · ${timeOfDay(now)}`);
    expect([0, 9_999, 10_000, 3_600_000, 47 * 3_600_000, 49 * 3_600_000].map(describeAge)).toEqual([
      'just now',
      'just now',
      '10 s ago',
      '1 h ago',
      '47 h ago',
      '2 d ago',
    ]);
  });

  it('shows readings with their units, several fields by name, and other messages as short text', () => {
    const show = (message: Parameters<typeof numericReadings>[1]) =>
      describeValue('t', message, numericReadings('t', message));
    expect(show({ value: 21.5, unit: '°C' })).toBe('21.5 °C');
    expect(show({ temperature: 21, humidity: 40 })).toBe('temperature 21 · humidity 40');
    expect(show(7)).toBe('7');
    expect(show('door open')).toBe('door open');
    expect(show({ state: 'on' })).toBe('{"state":"on"}');
    expect(show('x'.repeat(81))).toBe(`${'x'.repeat(80)}…`);
  });
});

describe('describeGap', () => {
  it('names the filter, the span and the reason', () => {
    const now = new Date(2026, 11, 1, 12, 30, 0).getTime();
    const lost = now - 120_000;
    const detail = 'the last frame seen is no longer in the history';
    expect(describeGap({ filter: 'demo/#', since: 'f-1', detail }, lost, now)).toBe(
      `Data may be missing for demo/# between ${timeOfDay(lost)} and ${timeOfDay(now)} (${detail}).`,
    );
    expect(describeGap({ filter: 'demo/#', since: now - 5_000, detail }, lost, now)).toContain(
      `between ${timeOfDay(now - 5_000)} and`,
    );
    expect(describeGap({ filter: 'a', since: undefined, detail: 'x' }, undefined, now)).toBe(
      `Data may be missing for a up to ${timeOfDay(now)} (x).`,
    );
    const yesterday = now - 24 * 3_600_000;
    expect(describeGap({ filter: 'a', since: yesterday, detail: 'x' }, undefined, now)).toContain(
      `between ${new Date(yesterday).toLocaleDateString()} ${timeOfDay(yesterday)} and`,
    );
  });
});

describe('viewMessage', () => {
  it("plots a stored frame at its ts, tags it, and makes it its topic's stored latest value", () => {
    const frame = { topic: 'p/1', message: { value: 2, unit: 'V' }, id: 'x', ts: 1_000 };
    const view = viewMessage({
      topic: 'p/1',
      message: frame.message,
      frame,
      receivedAt: 9_000,
      replay: 'retained',
    });
    expect(view).toEqual({
      time: { atMs: 1_000, source: 'device', approximate: false },
      readings: [{ series: 'p/1 · value', value: 2, unit: 'V' }],
      latest: { topic: 'p/1', text: '2 V', atMs: 1_000, approximate: false, replay: 'retained' },
      shown: {
        atMs: 1_000,
        label: 'p/1',
        text: '{"value":2,"unit":"V"}',
        kind: 'message',
        tags: ['retained'],
      },
    });
  });

  it('shows a history frame without ts at receipt time, tagged with both reasons', () => {
    const frame = { topic: 'p/1', message: 'on' };
    const view = viewMessage({ topic: 'p/1', message: 'on', frame, receivedAt: 9_000, replay: 'history' });
    expect(view.shown.tags).toEqual(['history', 'stored frame without a time: shown at receipt time']);
    expect([view.readings, view.latest.approximate, view.time.atMs]).toEqual([[], true, 9_000]);
    const live = viewMessage({ topic: 'p/1', message: 'on', frame, receivedAt: 9_000 });
    expect([live.shown.tags, live.latest.replay, live.time.approximate]).toEqual([[], undefined, false]);
  });
});

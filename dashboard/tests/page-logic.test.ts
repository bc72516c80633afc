import { describe, expect, it } from 'vitest';
import { describeMessage } from '../src/frame-list.js';
import { numericReadings } from '../src/numeric.js';
import { RateMeter } from '../src/rate.js';
import { SeriesStore } from '../src/series-store.js';
import { resolveSettings, searchWithTopics } from '../src/settings.js';
import { describeState } from '../src/status.js';

describe('numericReadings', () => {
  it('charts a number under its topic and each numeric field of an object, and nothing else', () => {
    expect(numericReadings('t', 21.5)).toEqual([{ series: 't', value: 21.5 }]);
    expect(numericReadings('t', { value: 1, unit: 'C', humidity: 40, nested: { x: 1 }, flag: true })).toEqual(
      [
        { series: 't · value', value: 1 },
        { series: 't · humidity', value: 40 },
      ],
    );
    for (const message of ['21.5', [1, 2], null, true, { unit: 'C' }])
      expect(numericReadings('t', message)).toEqual([]);
  });
});

describe('SeriesStore', () => {
  it('aligns series by row, keeps x strictly increasing, and counts points', () => {
    const store = new SeriesStore(10, 5);
    store.add(1_000, [{ series: 'a', value: 1 }]);
    store.add(1_000, [{ series: 'b', value: 2 }]);
    store.add(2_000, [
      { series: 'a', value: 3 },
      { series: 'b', value: 4 },
    ]);
    store.add(3_000, []);
    expect(store.data()).toEqual([
      [1, 1.001, 2],
      [1, null, 3],
      [null, 2, 4],
    ]);
    expect([store.names, store.pointCount, store.version]).toEqual([['a', 'b'], 4, 2]);
  });

  it('drops the oldest rows past its bound, a series with no value left, and series past the limit', () => {
    const store = new SeriesStore(2, 2);
    store.add(1_000, [{ series: 'old', value: 1 }]);
    store.add(2_000, [{ series: 'a', value: 2 }]);
    store.add(3_000, [
      { series: 'a', value: 3 },
      { series: 'too many', value: 9 },
    ]);
    expect([store.names, store.data()]).toEqual([
      ['a'],
      [
        [2, 3],
        [2, 3],
      ],
    ]);
    store.add(4_000, [{ series: 'b', value: 5 }]);
    expect(store.names).toEqual(['a', 'b']);
    expect(store.pointCount).toBe(2);
  });
});

describe('RateMeter', () => {
  it('averages the events of the last window', () => {
    const meter = new RateMeter(5_000);
    for (const at of [0, 1_000, 4_000, 5_500, 6_000]) meter.record(at);
    expect(meter.perSecond(6_000)).toBe(3 / 5); // 4000, 5500 and 6000 fall in (1000, 6000]
    expect(meter.perSecond(20_000)).toBe(0);
  });
});

describe('resolveSettings', () => {
  it('prefers ?url= and ?topic=, then the served config, then the defaults', () => {
    expect(
      resolveSettings('?url=wss%3A%2F%2Fb.example%2Fbridge&topic=a%2F%2B&topic=b&token=t1', undefined),
    ).toEqual({
      bridgeUrl: 'wss://b.example/bridge',
      topics: ['a/+', 'b'],
      token: 't1',
      source: 'url parameter',
      rejectedTopics: [],
    });
    expect(resolveSettings('', { bridgeUrl: 'ws://127.0.0.1:9', topics: ['x/#'] })).toMatchObject({
      bridgeUrl: 'ws://127.0.0.1:9',
      topics: ['x/#'],
      source: 'server',
    });
    expect(resolveSettings('', undefined)).toMatchObject({
      bridgeUrl: 'ws://127.0.0.1:3001',
      topics: ['demo/#'],
      source: 'default',
    });
  });

  it('reports invalid topics from the URL instead of using them', () => {
    expect(resolveSettings('?topic=a%2F%23%2Fb&topic=ok&topic=ok', undefined)).toMatchObject({
      topics: ['ok'],
      rejectedTopics: [
        'a/#/b: topic filter "a/#/b" has a misplaced wildcard: "#" must be the whole last level, as in "sensors/#"',
      ],
    });
  });

  it('rewrites the topics of a query string and keeps the rest', () => {
    expect(searchWithTopics('?url=ws%3A%2F%2Fh&topic=a', ['b/+', 'c'])).toBe(
      '?url=ws%3A%2F%2Fh&topic=b%2F%2B&topic=c',
    );
    expect(searchWithTopics('?topic=a', [])).toBe('');
  });
});

describe('page text', () => {
  it('describes messages and states for people', () => {
    expect(describeMessage('<b>hi</b>')).toBe('<b>hi</b>');
    expect(describeMessage({ value: 1 })).toBe('{"value":1}');
    expect(describeMessage('x'.repeat(2_001))).toBe(`${'x'.repeat(2_000)}…`);
    expect(describeState({ state: 'reconnecting', attempt: 3, delayMs: 1_250 })).toBe(
      'reconnecting (attempt 3, next try in 1.3 s)',
    );
    expect(describeState({ state: 'open', attempt: 0 })).toBe('live');
  });
});

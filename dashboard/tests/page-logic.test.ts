import { describe, expect, it } from 'vitest';
import { describeMessage } from '../src/frame-list.js';
import { numericReadings } from '../src/numeric.js';
import { plotTime } from '../src/plot-time.js';
import { RateMeter } from '../src/rate.js';
import { SeriesStore } from '../src/series-store.js';
import { resolveSettings, searchWithTopics } from '../src/settings.js';
import { describeState } from '../src/status.js';

describe('numericReadings', () => {
  it('charts a number under its topic and each numeric field of an object, and nothing else', () => {
    expect(numericReadings('t', 21.5)).toEqual([{ series: 't', value: 21.5 }]);
    expect(numericReadings('t', { value: 1, unit: 'C', humidity: 40, nested: { x: 1 }, flag: true })).toEqual(
      [
        { series: 't · value', value: 1, unit: 'C' },
        { series: 't · humidity', value: 40, unit: 'C' },
      ],
    );
    for (const message of ['21.5', [1, 2], null, true, { unit: 'C' }])
      expect(numericReadings('t', message)).toEqual([]);
  });

  it("gives every numeric field the object's unit, and reads an MQTT envelope's JSON payload", () => {
    expect(numericReadings('t', { value: 21.5, unit: '°C' })).toEqual([
      { series: 't · value', value: 21.5, unit: '°C' },
    ]);
    expect(numericReadings('t', { value: 1, unit: '  ' })).toEqual([{ series: 't · value', value: 1 }]);
    const envelope = (payload: unknown, encoding = 'json') =>
      ({ mqttTopic: 'plant/1', retained: false, encoding, payload }) as never;
    expect(numericReadings('t', envelope({ value: 40, unit: '%' }))).toEqual([
      { series: 't · value', value: 40, unit: '%' },
    ]);
    expect(numericReadings('t', envelope(7))).toEqual([{ series: 't', value: 7 }]);
    expect(numericReadings('t', envelope('21', 'text'))).toEqual([]);
  });
});

describe('plotTime', () => {
  it("plots at the frame's ts, at receipt time without one, and marks untrusted clocks as approximate", () => {
    const at = 1_700_000_000_000;
    expect(plotTime({ ts: at - 5_000 }, at)).toEqual({
      atMs: at - 5_000,
      source: 'device',
      approximate: false,
    });
    expect(plotTime({}, at)).toEqual({ atMs: at, source: 'receipt', approximate: false });
    expect(plotTime({ ts: 'yesterday' }, at)).toEqual({ atMs: at, source: 'receipt', approximate: false });
    expect(plotTime({}, at, true)).toEqual({ atMs: at, source: 'unknown', approximate: true });
    expect(plotTime({ ts: 5, clock: 'unsynced' }, at)).toEqual({
      atMs: at,
      source: 'unsynced',
      approximate: true,
    });
    expect(plotTime({ ts: at - 1, clock: 'behind' }, at)).toEqual({
      atMs: at,
      source: 'behind',
      approximate: true,
    });
    expect(plotTime({ ts: at + 60_000 }, at).source).toBe('device');
    expect(plotTime({ ts: at + 60_001 }, at)).toEqual({ atMs: at, source: 'ahead', approximate: true });
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
      [1, 1.000001, 2],
      [1, null, 3],
      [null, 2, 4],
    ]);
    expect([store.names, store.pointCount, store.version]).toEqual([['a', 'b'], 4, 2]);
  });

  it('inserts late rows where their time falls, spreading equal times, and reports the original times', () => {
    const store = new SeriesStore(10, 5);
    for (const [at, value] of [
      [5_000, 5],
      [1_000, 1],
      [3_000, 3],
      [3_000, 33],
      [3_000, 333],
      [9_000, 9],
    ] as const)
      store.add(at, [{ series: 'a', value }], value === 9);
    const [xs, column] = store.data();
    expect(column).toEqual([1, 3, 33, 333, 5, 9]);
    expect(xs.every((x, i) => i === 0 || x > (xs[i - 1] ?? x))).toBe(true);
    expect(xs[3]).toBeCloseTo(3.000002, 9);
    expect(store.points()).toEqual([
      {
        name: 'a',
        points: [
          { ts: 1_000, value: 1, approximate: false },
          { ts: 3_000, value: 3, approximate: false },
          { ts: 3_000, value: 33, approximate: false },
          { ts: 3_000, value: 333, approximate: false },
          { ts: 5_000, value: 5, approximate: false },
          { ts: 9_000, value: 9, approximate: true },
        ],
      },
    ]);
    expect([store.approximateCount, store.isApproximate(5), store.isApproximate(0)]).toEqual([
      1,
      true,
      false,
    ]);
  });

  it('steps past a row that an earlier step reached', () => {
    const store = new SeriesStore(10, 5);
    store.add(1_000, [{ series: 'a', value: 1 }]);
    store.add(1_000.001, [{ series: 'a', value: 2 }]);
    store.add(1_000, [{ series: 'a', value: 3 }]);
    const [xs, column] = store.data();
    expect(column).toEqual([1, 2, 3]);
    expect(xs.every((x, i) => i === 0 || x > (xs[i - 1] ?? x))).toBe(true);
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

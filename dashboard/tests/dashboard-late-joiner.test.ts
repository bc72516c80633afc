import type { Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../cloud/local/stack.js';
import { type DashboardServer, startDashboardServer } from '../server/serve.js';
import type { ChartSnapshot } from '../src/chart-board.js';
import type { DashboardTestHook } from '../src/test-hook.js';
import { launchBrowser } from './support/browser.js';
import { openRawPublisher } from './support/raw-publisher.js';

/** Topics the stack keeps history for, and how many frames per topic (small, so a gap is easy to make). */
const HISTORY_TOPICS = ['dash/history/#', 'dash/catchup/#'];
const HISTORY_MAX_FRAMES = 4;

let stack: LocalStack;
let dashboard: DashboardServer;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let publisher: Awaited<ReturnType<typeof openRawPublisher>>;
const problems: string[] = [];

/**
 * Opens the dashboard on these filters and waits until it is live. With `link`, the page's WebSocket goes
 * through Playwright's WebSocket route, so the test can drop it (`drop()`) and keep it from reconnecting
 * (`blocked`) as if the bridge were unreachable.
 */
async function openPage(...topics: string[]): Promise<Page> {
  return openPageWith(undefined, ...topics);
}

/** A page's WebSocket, routed by the test. */
interface RoutedLink {
  blocked: boolean;
  /** The page's side of the open connection, and the bridge's side. */
  current?: { page: WebSocketRoute; bridge: WebSocketRoute };
}

async function openPageWith(link: RoutedLink | undefined, ...topics: string[]): Promise<Page> {
  const page = await browser.context.newPage();
  if (link !== undefined) {
    await page.routeWebSocket(/^ws:/, (route) => {
      if (link.blocked) {
        route.close({ code: 1012, reason: 'test: the bridge is unreachable' });
        return;
      }
      link.current = { page: route, bridge: route.connectToServer() };
    });
  }
  page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  const query = topics.map((t) => `topic=${encodeURIComponent(t)}`).join('&');
  await page.goto(`${dashboard.url}?${query}`);
  await page.waitForSelector('body[data-state="open"]', { state: 'attached' });
  return page;
}

/** The charts' data through the page's read-only test hook (`window.__dashboard`). */
const charts = (page: Page): Promise<ChartSnapshot[]> =>
  page.evaluate(() => (window as unknown as { __dashboard: DashboardTestHook }).__dashboard.charts());

beforeAll(async () => {
  stack = await startLocalStack({ history: { topics: HISTORY_TOPICS, maxFrames: HISTORY_MAX_FRAMES } });
  dashboard = await startDashboardServer({ port: 0, bridgeUrl: stack.wsUrl });
  browser = await launchBrowser();
  publisher = await openRawPublisher(stack.wsUrl);
}, 90_000);

afterAll(async () => {
  publisher?.close();
  await browser?.close();
  await dashboard?.stop();
  await stack?.stop();
});

describe('the dashboard for late joiners: frame time, units, retained values, history (headless Chromium, real local stack)', () => {
  it('plots out-of-order frames at their own ts in time order, and °C and % on separate charts', async () => {
    const page = await openPage('dash/time/+');
    const t0 = Date.now() - 60_000;
    // Sent newest first, as a drained backlog or a second device might deliver them.
    const frames = [
      { topic: 'dash/time/temp', message: { value: 22, unit: '°C' }, extra: { ts: t0 + 2_000 } },
      { topic: 'dash/time/temp', message: { value: 20, unit: '°C' }, extra: { ts: t0 } },
      { topic: 'dash/time/humidity', message: { value: 41, unit: '%' }, extra: { ts: t0 + 1_500 } },
      { topic: 'dash/time/temp', message: { value: 21, unit: '°C' }, extra: { ts: t0 + 1_000 } },
      { topic: 'dash/time/humidity', message: { value: 40, unit: '%' }, extra: { ts: t0 + 500 } },
    ];
    for (const [i, frame] of frames.entries())
      expect(await publisher.publish({ ...frame, id: `time-${i}` })).toEqual({ delivered: 1 });
    await page.waitForSelector('#charts[data-points="5"][data-charts="2"]', { state: 'attached' });
    expect(await charts(page)).toEqual([
      {
        unit: '°C',
        axisLabel: '°C',
        series: [
          {
            name: 'dash/time/temp · value',
            points: [
              { ts: t0, value: 20, approximate: false },
              { ts: t0 + 1_000, value: 21, approximate: false },
              { ts: t0 + 2_000, value: 22, approximate: false },
            ],
          },
        ],
      },
      {
        unit: '%',
        axisLabel: '%',
        series: [
          {
            name: 'dash/time/humidity · value',
            points: [
              { ts: t0 + 500, value: 40, approximate: false },
              { ts: t0 + 1_500, value: 41, approximate: false },
            ],
          },
        ],
      },
    ]);
    expect(await page.locator('#charts .chart-title').allTextContents()).toEqual([
      'Values in °C',
      'Values in %',
    ]);
    expect(await page.locator('#charts .unit-chart canvas').count()).toBe(2);
    // The list shows each frame at its own time, not at the time it arrived.
    expect(await page.locator('#frames li time').first().getAttribute('datetime')).toBe(
      new Date(t0 + 500).toISOString(),
    );
    await page.close();
  });

  it('plots an unsynced or stepped-back clock, and a frame without ts, at receipt time; the first two marked', async () => {
    const page = await openPage('dash/clock/+');
    const before = Date.now();
    const sent = [
      { topic: 'dash/clock/a', message: 1, extra: { ts: 86_400_000, clock: 'unsynced' } },
      { topic: 'dash/clock/a', message: 2, extra: { ts: before - 3_600_000, clock: 'behind' } },
      { topic: 'dash/clock/a', message: 3 },
    ];
    for (const [i, frame] of sent.entries())
      expect(await publisher.publish({ ...frame, id: `clock-${i}` })).toEqual({ delivered: 1 });
    await page.waitForSelector('#charts[data-points="3"]', { state: 'attached' });
    const after = Date.now();
    const [chart, ...others] = await charts(page);
    expect(others).toEqual([]);
    expect([chart?.unit, chart?.axisLabel, chart?.series.map((s) => s.name)]).toEqual([
      null,
      null,
      ['dash/clock/a'],
    ]);
    const points = chart?.series[0]?.points ?? [];
    expect(points.map((p) => [p.value, p.approximate])).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ]);
    for (const point of points) expect(point.ts).toBeGreaterThanOrEqual(before);
    for (const point of points) expect(point.ts).toBeLessThanOrEqual(after);
    expect(await page.locator('#charts .unit-chart').getAttribute('data-unit')).toBe('');
    expect(await page.locator('#charts .chart').getAttribute('data-approximate-points')).toBe('2');
    expect(await page.locator('#charts .approximate-note').isVisible()).toBe(true);
    expect(await page.locator('#frames li .tag').allTextContents()).toEqual([
      'device clock stepped back: shown at receipt time',
      'device clock not synchronised: shown at receipt time',
    ]);
    await page.close();
  });

  it('shows a retained value at once on load, marked with its age, until a live frame replaces it', async () => {
    const ts = Date.now() - 3 * 60_000 - 5_000;
    const retained = { topic: 'dash/retained/temp', message: { value: 19.5, unit: '°C' }, extra: { ts } };
    expect(await publisher.publish({ ...retained, id: 'retained-1', retain: true })).toEqual({
      delivered: 0,
    });
    const page = await openPage('dash/retained/+');
    const tile = page.locator('#latest li[data-topic="dash/retained/temp"]');
    await tile.waitFor();
    expect(await tile.getAttribute('data-replay')).toBe('retained');
    expect(await tile.locator('.latest-value').textContent()).toBe('19.5 °C');
    expect(await tile.locator('.latest-status').textContent()).toBe('retained · 3 min ago');
    await page.waitForSelector('#charts[data-points="1"]', { state: 'attached' });
    expect(await charts(page)).toEqual([
      {
        unit: '°C',
        axisLabel: '°C',
        series: [{ name: 'dash/retained/temp · value', points: [{ ts, value: 19.5, approximate: false }] }],
      },
    ]);
    expect(await page.locator('#frames li .tag').allTextContents()).toEqual(['retained']);
    expect(await page.locator('body').getAttribute('data-frames')).toBe('1');
    // A live frame replaces it.
    const live = {
      topic: 'dash/retained/temp',
      message: { value: 20, unit: '°C' },
      extra: { ts: Date.now() },
    };
    expect(await publisher.publish({ ...live, id: 'retained-2' })).toEqual({ delivered: 1 });
    await page.waitForSelector('#latest li[data-topic="dash/retained/temp"][data-replay="live"]', {
      state: 'attached',
    });
    expect(await tile.locator('.latest-value').textContent()).toBe('20 °C');
    expect(await tile.locator('.latest-status').textContent()).toMatch(/^live · \d\d:\d\d:\d\d$/);
    await page.close();
  });

  it('fills the chart from history on open: exactly the stored points, at their ts', async () => {
    const t0 = Date.now() - 10 * 60_000;
    const stored = [0, 1, 2].flatMap((i) => [
      { topic: 'dash/history/a', message: { value: 100 + i, unit: 'kPa' }, extra: { ts: t0 + i * 10_000 } },
      {
        topic: 'dash/history/b',
        message: { value: 200 + i, unit: 'kPa' },
        extra: { ts: t0 + i * 10_000 + 5_000 },
      },
    ]);
    for (const [i, frame] of stored.entries())
      expect(await publisher.publish({ ...frame, id: `history-${i}` })).toEqual({ delivered: 0 });
    const page = await openPage('dash/history/#');
    await page.waitForSelector('#charts[data-points="6"]', { state: 'attached' });
    const points = (base: number, offset: number) =>
      [0, 1, 2].map((i) => ({ ts: t0 + i * 10_000 + offset, value: base + i, approximate: false }));
    expect(await charts(page)).toEqual([
      {
        unit: 'kPa',
        axisLabel: 'kPa',
        series: [
          { name: 'dash/history/a · value', points: points(100, 0) },
          { name: 'dash/history/b · value', points: points(200, 5_000) },
        ],
      },
    ]);
    expect(await page.locator('body').getAttribute('data-frames')).toBe('6');
    expect(await page.locator('#frames li .tag').allTextContents()).toEqual(Array(6).fill('history'));
    expect(
      await page.locator('#latest li').evaluateAll((tiles) => tiles.map((t) => t.dataset.replay)),
    ).toEqual(['history', 'history']);
    await page.close();
  });

  it('after a reconnect plots the missed frames in order, and notes a gap when history lost some', async () => {
    const link: RoutedLink = { blocked: false };
    const page = await openPageWith(link, 'dash/catchup/#');
    const t0 = Date.now() - 60_000;
    const frame = (i: number) => ({
      topic: 'dash/catchup/a',
      message: { value: i, unit: 'V' },
      extra: { ts: t0 + i * 1_000 },
      id: `catchup-${i}`,
    });
    const drop = async () => {
      link.blocked = true;
      await link.current?.page.close({ code: 1012, reason: 'test: connection lost' });
      await link.current?.bridge.close({ code: 1001, reason: 'test: connection lost' });
      await page.waitForSelector('body[data-state="reconnecting"]', { state: 'attached' });
    };
    const values = async () => (await charts(page))[0]?.series[0]?.points.map((p) => p.value);
    expect(await publisher.publish(frame(0))).toEqual({ delivered: 1 });
    await page.waitForSelector('#charts[data-points="1"]', { state: 'attached' });
    // Three frames missed: the history keeps them all, so they are filled in, in order, and no gap.
    await drop();
    // (The bridge may still post to the closed connection until its $disconnect has run; the page misses them.)
    for (const i of [1, 2, 3]) await publisher.publish(frame(i));
    link.blocked = false;
    await page.waitForSelector('#charts[data-points="4"]', { state: 'attached', timeout: 30_000 });
    expect(await values()).toEqual([0, 1, 2, 3]);
    expect(await page.locator('#gaps li').count()).toBe(0);
    // Six missed, the history keeps four per topic: the last frame seen aged out, so a gap is noted.
    await drop();
    for (const i of [4, 5, 6, 7, 8, 9]) await publisher.publish(frame(i));
    link.blocked = false;
    await page.waitForSelector('body[data-gaps="1"]', { state: 'attached', timeout: 30_000 });
    await page.waitForSelector('#charts[data-points="8"]', { state: 'attached' });
    expect(await values()).toEqual([0, 1, 2, 3, 6, 7, 8, 9]);
    expect(await page.locator('#gaps li .gap-text').textContent()).toMatch(
      /^Data may be missing for dash\/catchup\/# between \d\d:\d\d:\d\d and \d\d:\d\d:\d\d \(.+\)\.$/,
    );
    await page.close();
  }, 90_000);

  it('logged no console error', () => {
    expect(problems).toEqual([]);
  });
});

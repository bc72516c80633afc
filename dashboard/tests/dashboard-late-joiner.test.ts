import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../cloud/local/stack.js';
import { type DashboardServer, startDashboardServer } from '../server/serve.js';
import type { ChartSnapshot } from '../src/chart-board.js';
import type { DashboardTestHook } from '../src/test-hook.js';
import { launchBrowser } from './support/browser.js';
import { openRawPublisher } from './support/raw-publisher.js';

let stack: LocalStack;
let dashboard: DashboardServer;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let publisher: Awaited<ReturnType<typeof openRawPublisher>>;
const problems: string[] = [];

/** Opens the dashboard on these filters and waits until it is live. */
async function openPage(...topics: string[]): Promise<Page> {
  const page = await browser.context.newPage();
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
  stack = await startLocalStack();
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

describe('the dashboard plots by frame time, one chart per unit (headless Chromium, real local stack)', () => {
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

  it('logged no console error', () => {
    expect(problems).toEqual([]);
  });
});

/**
 * The dashboard's time from load to first frame on the local stack. Headless Chromium opens the page (a
 * new browser context each run, so nothing is cached); the page stamps `data-open-ms` when its WebSocket
 * opens and `data-first-frame-ms` when the first frame is on screen, both from navigation start. A Node
 * client publishes one reading as soon as the page is connected (seen through a DOM mutation, within a
 * few ms), so the first frame measures: load, connect, subscribe, then one publish through the bridge.
 * Run: `npx tsx bench/client-first-frame.ts [runs]` (default 7). Results: docs/BENCHMARKS.md.
 */
import { pathToFileURL } from 'node:url';
import { connect } from '@topic-bridge/client';
import { chromium } from 'playwright-core';
import { WebSocket } from 'ws';
import { startLocalStack } from '../cloud/local/stack.js';
import { startDashboardServer } from '../dashboard/server/serve.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../dashboard/tests/support/browser.js';

const TOPIC = 'bench/first-frame';

/** One page load, in ms from navigation start. */
export interface FirstFrameRun {
  domContentLoadedMs: number;
  openMs: number;
  firstFrameMs: number;
}

/** Loads the page `runs` times against a fresh local stack and returns each run's timings. */
export async function measureFirstFrame(runs: number): Promise<FirstFrameRun[]> {
  const stack = await startLocalStack();
  const dashboard = await startDashboardServer({ port: 0, bridgeUrl: stack.wsUrl });
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
  });
  const publisher = connect({ url: stack.wsUrl, WebSocket });
  try {
    // Warm the Lambda handlers once, as a running bridge would be: cold starts are not the page's cost.
    await new Promise<void>((resolve) => publisher.on('state', (s) => s.state === 'open' && resolve()));
    await publisher.publish(TOPIC, { value: -1 });
    const results: FirstFrameRun[] = [];
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${dashboard.url}?topic=${encodeURIComponent(TOPIC)}`, { waitUntil: 'commit' });
      await page.waitForSelector('body[data-open-ms]', { state: 'attached', timeout: 15_000 });
      await publisher.publish(TOPIC, { value: i });
      await page.waitForSelector('body[data-first-frame-ms]', { state: 'attached', timeout: 15_000 });
      results.push(
        await page.evaluate(() => {
          const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
          return {
            domContentLoadedMs: Math.round(navigation.domContentLoadedEventEnd),
            openMs: Number(document.body.dataset.openMs),
            firstFrameMs: Number(document.body.dataset.firstFrameMs),
          };
        }),
      );
      await context.close();
    }
    return results;
  } finally {
    publisher.close();
    await browser.close();
    await dashboard.stop();
    await stack.stop();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 7);
  const results = await measureFirstFrame(runs);
  console.log('| run | DOMContentLoaded | WebSocket open | first frame shown |\n|---|---:|---:|---:|');
  results.forEach((r, i) => {
    console.log(`| ${i + 1} | ${r.domContentLoadedMs} ms | ${r.openMs} ms | ${r.firstFrameMs} ms |`);
  });
  const pick = (key: keyof FirstFrameRun) => `${median(results.map((r) => r[key]))} ms`;
  console.log(`| median | ${pick('domContentLoadedMs')} | ${pick('openMs')} | ${pick('firstFrameMs')} |`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();

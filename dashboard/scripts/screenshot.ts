/**
 * Makes the README's screenshot of the dashboard: the local stack, the dashboard server, headless Chromium,
 * and readings shaped like the device agent's `simulated` input (`{ value, unit }` on `demo/…` topics).
 * Run: `npx tsx dashboard/scripts/screenshot.ts [out.png]` (default docs/dashboard.png).
 */
import { connect } from '@topic-bridge/client';
import { WebSocket } from 'ws';
import { startLocalStack } from '../../cloud/local/stack.js';
import { startDashboardServer } from '../server/serve.js';
import { launchBrowser } from '../tests/support/browser.js';

const OUTPUT = process.argv[2] ?? 'docs/dashboard.png';
const READINGS = 60;
const INTERVAL_MS = 120;
const SENSORS = [
  { topic: 'demo/greenhouse/temperature', center: 24, amplitude: 3, unit: '°C', phase: 0 },
  { topic: 'demo/office/temperature', center: 21, amplitude: 1.5, unit: '°C', phase: 2 },
  { topic: 'demo/greenhouse/humidity', center: 30, amplitude: 6, unit: '%', phase: 1 },
];

const stack = await startLocalStack();
const dashboard = await startDashboardServer({ port: 0, bridgeUrl: stack.wsUrl });
const browser = await launchBrowser({ width: 1280, height: 860 });
const publisher = connect({ url: stack.wsUrl, WebSocket });
try {
  const page = await browser.context.newPage();
  await page.goto(dashboard.url);
  await page.waitForSelector('body[data-state="open"]', { state: 'attached' });
  for (let i = 0; i < READINGS; i++) {
    const sends = SENSORS.map((s) => {
      const value = s.center + s.amplitude * Math.sin(i / 8 + s.phase) + (Math.random() - 0.5) * 0.3;
      return publisher.publish(s.topic, { value: Number(value.toFixed(2)), unit: s.unit });
    });
    if (i === READINGS - 5) sends.push(publisher.publish('demo/greenhouse/door', 'opened <by> maintenance'));
    await Promise.all(sends);
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
  }
  await page.waitForSelector(`#chart[data-points="${READINGS * SENSORS.length}"]`, { state: 'attached' });
  await page.screenshot({ path: OUTPUT });
  console.log(`Saved ${OUTPUT}`);
} finally {
  publisher.close();
  await browser.close();
  await dashboard.stop();
  await stack.stop();
}

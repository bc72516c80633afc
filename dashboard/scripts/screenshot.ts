/**
 * Makes the README's screenshot of the dashboard: the local stack (with history on for the demo's sensors),
 * the dashboard server, headless Chromium, and readings shaped like the device agent's `simulated` input
 * (`{ value, unit }` on `demo/…` topics, stamped with `ts`). Five minutes of readings are published before
 * the page opens, so it opens with its charts filled from history; a retained door state shows as a last
 * known value; then a few live readings arrive.
 * Run: `npx tsx dashboard/scripts/screenshot.ts [out.png]` (default docs/dashboard.png).
 */
import { startLocalStack } from '../../cloud/local/stack.js';
import { startDashboardServer } from '../server/serve.js';
import { launchBrowser } from '../tests/support/browser.js';
import { openRawPublisher } from '../tests/support/raw-publisher.js';

const OUTPUT = process.argv[2] ?? 'docs/dashboard.png';
const STORED_READINGS = 60;
const LIVE_READINGS = 3;
const READING_INTERVAL_MS = 5_000;
const LIVE_INTERVAL_MS = 1_000;
const SENSORS = [
  { topic: 'demo/greenhouse/temperature', center: 24, amplitude: 3, unit: '°C', phase: 0 },
  { topic: 'demo/office/temperature', center: 21, amplitude: 1.5, unit: '°C', phase: 2 },
  { topic: 'demo/greenhouse/humidity', center: 55, amplitude: 8, unit: '%', phase: 1 },
];
const HISTORY_TOPICS = ['demo/+/temperature', 'demo/+/humidity'];
const DOOR_TOPIC = 'demo/greenhouse/door';

const stack = await startLocalStack({ history: { topics: HISTORY_TOPICS } });
const dashboard = await startDashboardServer({ port: 0, bridgeUrl: stack.wsUrl });
const browser = await launchBrowser({ width: 1280, height: 1100 });
const publisher = await openRawPublisher(stack.wsUrl);
let sequence = 0;
const publishReadings = (i: number, ts: number) =>
  Promise.all(
    SENSORS.map((s) => {
      const value = s.center + s.amplitude * Math.sin(i / 8 + s.phase) + (Math.random() - 0.5) * 0.3;
      sequence += 1;
      return publisher.publish({
        topic: s.topic,
        message: { value: Number(value.toFixed(2)), unit: s.unit },
        id: `screenshot-${sequence}`,
        extra: { ts },
      });
    }),
  );
try {
  const start = Date.now() - STORED_READINGS * READING_INTERVAL_MS;
  for (let i = 0; i < STORED_READINGS; i++) await publishReadings(i, start + i * READING_INTERVAL_MS);
  await publisher.publish({
    topic: DOOR_TOPIC,
    message: 'closed',
    id: 'screenshot-door',
    retain: true,
    extra: { ts: Date.now() - 3 * 60_000 },
  });
  const page = await browser.context.newPage();
  const query = [...HISTORY_TOPICS, DOOR_TOPIC].map((t) => `topic=${encodeURIComponent(t)}`).join('&');
  await page.goto(`${dashboard.url}?${query}`);
  await page.waitForSelector(`#charts[data-points="${STORED_READINGS * SENSORS.length}"]`, {
    state: 'attached',
  });
  // The live readings go on at the stored cadence (publishing the stored ones took a while on a busy machine).
  for (let i = STORED_READINGS; i < STORED_READINGS + LIVE_READINGS; i++) {
    await new Promise((resolve) => setTimeout(resolve, LIVE_INTERVAL_MS));
    await publishReadings(i, Math.min(Date.now(), start + i * READING_INTERVAL_MS));
  }
  const total = (STORED_READINGS + LIVE_READINGS) * SENSORS.length;
  await page.waitForSelector(`#charts[data-points="${total}"]`, { state: 'attached' });
  await page.screenshot({ path: OUTPUT });
  console.log(`Saved ${OUTPUT}`);
} finally {
  publisher.close();
  await browser.close();
  await dashboard.stop();
  await stack.stop();
}

import { mkdir } from 'node:fs/promises';
import { connect, type TopicBridgeClient } from '@topic-bridge/client';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type LocalStack, startLocalStack } from '../../cloud/local/stack.js';
import { type DashboardServer, startDashboardServer } from '../server/serve.js';
import { launchBrowser } from './support/browser.js';

const ARTIFACTS = 'test-artifacts';
const XSS = '<img src=x onerror=window.__xss=1>';
const XSS_TOPIC = 'dash/room1/<img src=x onerror=window.__xss=2>';

let stack: LocalStack;
let dashboard: DashboardServer;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let publisher: TopicBridgeClient;
const consoleErrors: { text: string; duringOutage: boolean }[] = [];
let outage = false;

const attribute = (selector: string, name: string) => page.locator(selector).getAttribute(name);
const listTexts = () => page.locator('#frames li').allTextContents();

async function waitForAttribute(
  selector: string,
  name: string,
  value: string,
  timeout = 10_000,
): Promise<void> {
  await page.waitForFunction(
    ([s, n, v]) => document.querySelector(s as string)?.getAttribute(n as string) === v,
    [selector, name, value],
    { timeout },
  );
}

async function publish(topic: string, message: Parameters<TopicBridgeClient['publish']>[1]): Promise<number> {
  return (await publisher.publish(topic, message)).delivered;
}

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  stack = await startLocalStack();
  dashboard = await startDashboardServer({ port: 0, bridgeUrl: stack.wsUrl });
  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push({ text: message.text(), duringOutage: outage });
  });
  page.on('pageerror', (error) =>
    consoleErrors.push({ text: `uncaught: ${error.message}`, duringOutage: false }),
  );
  publisher = connect({ url: stack.wsUrl, WebSocket, minReconnectDelayMs: 100, maxReconnectDelayMs: 1_000 });
}, 90_000);

afterAll(async () => {
  publisher?.close();
  await browser?.close();
  await dashboard?.stop();
  await stack?.stop();
});

describe('the dashboard in headless Chromium, on the real local stack', () => {
  it('connects to the bridge the server injects and subscribes to the topic in the URL', async () => {
    await page.goto(`${dashboard.url}?topic=${encodeURIComponent('dash/room1/+')}`);
    await waitForAttribute('body', 'data-state', 'open');
    expect(await page.locator('#topic-list .filter').allTextContents()).toEqual(['dash/room1/+']);
    expect(await page.locator('#bridge').textContent()).toBe(`${stack.wsUrl} (from the server)`);
  });

  it('shows 20 readings newest first and charts them as 20 points; another topic stays out', async () => {
    for (let i = 0; i < 20; i++) expect(await publish('dash/room1/temp', { value: 20 + i / 2 })).toBe(1);
    expect(await publish('dash/room2/temp', { value: 99 })).toBe(0);
    await waitForAttribute('body', 'data-frames', '20');
    await waitForAttribute('#charts', 'data-points', '20');
    const texts = await listTexts();
    expect(texts).toHaveLength(20);
    expect(texts[0]).toContain('dash/room1/temp{"value":29.5}');
    expect(texts[19]).toContain('dash/room1/temp{"value":20}');
    expect(texts.some((t) => t.includes('room2'))).toBe(false);
    expect(await page.locator('#charts canvas').count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${ARTIFACTS}/dashboard.png`, fullPage: true });
  });

  it('shows a message and a topic containing HTML as text, and runs nothing', async () => {
    expect(await publish('dash/room1/note', XSS)).toBe(1);
    expect(await publish(XSS_TOPIC, { text: XSS })).toBe(1);
    await waitForAttribute('body', 'data-frames', '22');
    await page.waitForFunction(() => document.querySelectorAll('#frames li').length === 22);
    expect(await page.locator('#frames li').nth(1).locator('.payload').textContent()).toBe(XSS);
    expect(await page.locator('#frames li').nth(0).locator('.topic').textContent()).toBe(XSS_TOPIC);
    expect(await page.locator('#frames li').nth(0).locator('.payload').textContent()).toBe(
      JSON.stringify({ text: XSS }),
    );
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (window as { __xss?: unknown }).__xss)).toBeUndefined();
    expect(await attribute('#charts', 'data-points')).toBe('20');
  });

  it('pauses the view and catches up on resume', async () => {
    await page.click('#pause');
    expect(await page.locator('#pause').textContent()).toBe('Resume');
    expect(await publish('dash/room1/temp', { value: 30 })).toBe(1);
    await waitForAttribute('body', 'data-frames', '23');
    await page.waitForTimeout(200);
    expect(await listTexts()).toHaveLength(22);
    await page.click('#pause');
    await waitForAttribute('#charts', 'data-points', '21');
    expect((await listTexts())[0]).toContain('{"value":30}');
  });

  it('reconnects on its own after the local stack stops and restarts, and resumes', async () => {
    outage = true;
    await stack.stop();
    await waitForAttribute('body', 'data-state', 'reconnecting');
    expect(await page.locator('#state').textContent()).toMatch(
      /^reconnecting \(attempt \d+, next try in \d+\.\d s\)$/,
    );
    stack = await startLocalStack({ wsPort: stack.wsPort });
    await waitForAttribute('body', 'data-state', 'open', 30_000);
    outage = false;
    await expect.poll(() => publisher.state, { timeout: 10_000 }).toBe('open');
    expect(await publish('dash/room1/temp', { value: 31 })).toBe(1);
    await waitForAttribute('#charts', 'data-points', '22');
    expect((await listTexts())[0]).toContain('{"value":31}');
  }, 90_000);

  it('adds and removes topic filters from the page, and keeps them in the address bar', async () => {
    await page.fill('#topic-input', 'dash/#/bad');
    await page.click('#topic-form button[type=submit]');
    expect(await page.locator('#topic-error').textContent()).toContain('misplaced wildcard');
    await page.fill('#topic-input', 'dash/extra/#');
    await page.click('#topic-form button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('#topic-list .filter').length === 2);
    expect(await page.locator('#topic-error').textContent()).toBe('');
    expect(new URL(page.url()).searchParams.getAll('topic')).toEqual(['dash/room1/+', 'dash/extra/#']);
    await expect.poll(() => publish('dash/extra/1', { value: 5 }), { timeout: 5_000 }).toBe(1);
    await waitForAttribute('#charts', 'data-points', '23');
    expect((await listTexts())[0]).toContain('dash/extra/1{"value":5}');
    await page.getByRole('button', { name: 'Unsubscribe from dash/extra/#' }).click();
    await expect.poll(() => publish('dash/extra/1', { value: 6 }), { timeout: 5_000 }).toBe(0);
    expect(new URL(page.url()).searchParams.getAll('topic')).toEqual(['dash/room1/+']);
    expect(await page.locator('#topic-list .filter').allTextContents()).toEqual(['dash/room1/+']);
    // Its topic leaves the latest values; the others stay.
    await page.waitForSelector('#latest li[data-topic="dash/extra/1"]', { state: 'detached' });
    expect(await page.locator('#latest li[data-topic="dash/room1/temp"]').count()).toBe(1);
  });

  it('fits a phone screen without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-phone.png`, fullPage: true });
  });

  it('explains a bad ?url= on the page instead of failing in the console', async () => {
    const other = await browser.context.newPage();
    const problems: string[] = [];
    other.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    other.on('pageerror', (error) => problems.push(error.message));
    await other.goto(
      `${dashboard.url}?url=${encodeURIComponent('http://example.com/bridge')}&topic=a%2F%23%2Fb`,
    );
    await other.waitForSelector('body[data-state="closed"]', { state: 'attached' });
    expect(await other.locator('#state').textContent()).toBe('not connected');
    expect(await other.locator('#topic-error').textContent()).toBe(
      'connect(): option "url" expected a ws:// or wss:// URL such as wss://HOST/bridge, got "http://example.com/bridge". ' +
        'Open the page with ?url=wss://HOST/STAGE',
    );
    expect(problems).toEqual([]);
    await other.close();
  });

  it('passes ?token= to the client (offered as a subprotocol the stack answers) and never shows it', async () => {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const jwt = (exp: number) => `${part({ alg: 'HS256' })}.${part({ sub: 'dash', exp })}.c2lnbmF0dXJl`;
    const valid = jwt(Math.floor(Date.now() / 1000) + 3600);
    const other = await browser.context.newPage();
    const problems: string[] = [];
    other.on('console', (message) => problems.push(message.text()));
    other.on('pageerror', (error) => problems.push(error.message));
    await other.goto(`${dashboard.url}?topic=${encodeURIComponent('dash/token/+')}&token=${valid}`);
    await other.waitForSelector('body[data-state="open"]', { state: 'attached' });
    expect(await publish('dash/token/a', { value: 1 })).toBe(1);
    await other.waitForSelector('body[data-frames="1"]', { state: 'attached' });
    expect(await other.locator('body').textContent()).not.toContain(valid);
    // An expired token is refused by the client itself: a browser never sees the bridge's 401.
    const expired = jwt(1_000);
    await other.goto(`${dashboard.url}?topic=a&token=${expired}`);
    await other.waitForSelector('body[data-state="unauthorized"]', { state: 'attached' });
    expect(await other.locator('#state').textContent()).toBe(
      'not authorized: open the page with a valid ?token=',
    );
    expect(await other.locator('body').textContent()).not.toContain(expired);
    expect(problems.filter((text) => text.includes(valid) || text.includes(expired))).toEqual([]);
    await other.close();
  });

  it('logged no console error, except the browser noting failed WebSocket attempts during the outage', () => {
    const unexpected = consoleErrors.filter(
      (e) =>
        !(e.duringOutage && /^WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/.*' failed/.test(e.text)),
    );
    expect(unexpected).toEqual([]);
  });
});

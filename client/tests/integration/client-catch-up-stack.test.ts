import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { findFreePortForLater } from '../../../cloud/local/free-port.js';
import { type LocalStack, startLocalStack } from '../../../cloud/local/stack.js';
import { tempDir } from '../../../device-agent/tests/support/temp-dir.js';
import {
  type CatchUpGap,
  type CaughtUp,
  type ConnectOptions,
  connect,
  type TopicBridgeClient,
} from '../../src/index.js';
import { type RecordedClient, recordingClient } from '../support/recording-client.js';
import { settle, waitFor } from '../support/wait-for.js';

// Retained values and catch-up through the real local stack (serverless-offline + dynalite): the stack
// stops and starts again (its DynamoDB data kept in a folder, as the deployed tables outlive a drop), frames
// are published while the subscriber is still away, and it must get every one once, in publish order.

/** The filter the stack keeps a history for in these tests. */
const HISTORY_FILTER = 'it/catchup/#';
const STACK_TIMEOUT_MS = 60_000;

let stack: LocalStack;
let wsPort: number;
let dataDir: { dir: string; remove: () => Promise<void> };
const opened: TopicBridgeClient[] = [];

function startStack(): Promise<LocalStack> {
  return startLocalStack({
    wsPort,
    dataDir: dataDir.dir,
    logLevel: 'warn',
    history: { topics: [HISTORY_FILTER] },
  });
}

/** A recorded client with manual timers: it reconnects only when the test advances its clock. */
function manualClient(
  options: Partial<ConnectOptions>,
): RecordedClient & { gaps: CatchUpGap[]; caughtUp: CaughtUp[] } {
  const recorded = recordingClient({ url: stack.wsUrl, ...options });
  opened.push(recorded.client);
  const gaps: CatchUpGap[] = [];
  const caughtUp: CaughtUp[] = [];
  recorded.client.on('gap', (g) => gaps.push(g));
  recorded.client.on('caught-up', (c) => caughtUp.push(c));
  return { ...recorded, gaps, caughtUp };
}

/** A client with real timers and short reconnect delays (the publisher). */
function realTimeClient(options: Partial<ConnectOptions> = {}): TopicBridgeClient {
  const client = connect({
    url: stack.wsUrl,
    WebSocket,
    minReconnectDelayMs: 100,
    maxReconnectDelayMs: 500,
    ...options,
  });
  opened.push(client);
  return client;
}

beforeAll(async () => {
  dataDir = await tempDir('catch-up-stack');
  wsPort = await findFreePortForLater();
  stack = await startStack();
}, STACK_TIMEOUT_MS);

afterEach(() => {
  for (const client of opened.splice(0)) client.close();
});

afterAll(async () => {
  await stack?.stop();
  await dataDir?.remove();
});

describe('client catch-up and retained values against the real local stack', () => {
  it('the stack drops the connection: every frame published meanwhile comes once, in order, then live ones', async () => {
    const sub = manualClient({ topics: [HISTORY_FILTER] });
    const pub = realTimeClient();
    await waitFor(() => sub.client.state === 'open' && pub.state === 'open', 'open', 20_000);
    const published: string[] = [];
    const send = async (id: string, i: number) => {
      await pub.publish(i % 2 === 0 ? 'it/catchup/a' : 'it/catchup/b/1', { i }, { id });
      published.push(id);
    };
    for (let i = 0; i < 5; i++) await send(`before-${i}`, i);
    await waitFor(() => sub.messages.length === 5, 'the live frames before the drop');

    await stack.stop();
    await waitFor(
      () => sub.client.state === 'reconnecting' && pub.state === 'reconnecting',
      'both to notice',
    );
    stack = await startStack();
    await waitFor(() => pub.state === 'open', 'the publisher to reconnect', 20_000);
    // The subscriber is still away (its clock has not moved): these are the frames it misses.
    for (let i = 0; i < 30; i++) await send(`missed-${i}`, i);
    // And frames keep coming while it reconnects and catches up.
    let publishing = true;
    const during = (async () => {
      for (let i = 0; publishing; i++) await send(`during-${i}`, i);
    })();
    // Awaited below; this only keeps a failure before that from being reported as unhandled as well.
    during.catch(() => undefined);
    sub.timers.advance(60_000);
    await waitFor(() => sub.caughtUp.length === 1, 'the catch-up', 20_000);
    await settle(300);
    publishing = false;
    await during;
    await waitFor(() => sub.messages.length === published.length, 'every frame', 20_000);
    await settle(300);

    expect(sub.messages.map((m) => m.id)).toEqual(published);
    const replayOf = (prefix: string) => [
      ...new Set(sub.messages.filter((m) => m.id?.startsWith(prefix)).map((m) => m.replay ?? 'live')),
    ];
    expect(replayOf('before-')).toEqual(['live']);
    expect(replayOf('missed-')).toEqual(['history']);
    expect(sub.messages.at(-1)?.replay).toBeUndefined();
    expect(sub.caughtUp).toEqual([
      { filter: HISTORY_FILTER, kind: 'reconnect', delivered: expect.any(Number) },
    ]);
    expect(sub.caughtUp[0]?.delivered).toBeGreaterThanOrEqual(30);
    expect([...sub.gaps, ...sub.errors, ...sub.invalid]).toEqual([]);
  }, 120_000);

  it('connect-time filters get their retained values at once on open, marked; retained: false gets none', async () => {
    const pub = realTimeClient();
    await waitFor(() => pub.state === 'open', 'open', 20_000);
    await pub.publish('it/retained/kitchen', { c: 21.5 }, { id: 'ret-k', retain: true });
    await pub.publish('it/retained/hall', { c: 19 }, { id: 'ret-h', retain: true });
    await pub.publish('it/retained/hall', { c: 19.5 }, { id: 'ret-h2', retain: true });
    await pub.publish('it/retained/attic', { c: 12 }, { id: 'ret-a', retain: true });
    await pub.publish('it/retained/attic', null, { id: 'ret-a-clear', retain: true });
    const sub = manualClient({ topics: ['it/retained/+'] });
    const off = manualClient({ topics: ['it/retained/+'], retained: false });
    await waitFor(() => sub.messages.length === 2, 'the retained values', 20_000);
    await waitFor(() => off.client.state === 'open', 'open');
    await settle(500);
    expect(
      sub.messages
        .map((m) => [m.topic, m.message, m.id, m.replay])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ).toEqual([
      ['it/retained/hall', { c: 19.5 }, 'ret-h2', 'retained'],
      ['it/retained/kitchen', { c: 21.5 }, 'ret-k', 'retained'],
    ]);
    expect(off.messages).toEqual([]);
    expect([...sub.errors, ...sub.invalid, ...off.errors, ...off.invalid]).toEqual([]);
  }, 60_000);
});

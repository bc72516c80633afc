import { afterEach, describe, expect, it } from 'vitest';
import {
  type CatchUpGap,
  type CaughtUp,
  DEFAULT_HISTORY_TIMEOUT_MS,
  DEFAULT_MAX_CATCH_UP_PAGES,
  DEFAULT_RENEW_DRAIN_MS,
  MAX_HELD_FRAMES,
  type Notice,
} from '../../src/index.js';
import { type RecordedClient, recordingClient } from '../support/recording-client.js';
import {
  type ScriptedBridge,
  type ScriptedBridgeOptions,
  startScriptedBridge,
} from '../support/scripted-bridge.js';
import { settle, waitFor } from '../support/wait-for.js';

/** A renewal before the first ping, so that no pong needs to come on the manual clock. */
const RENEW_AFTER_MS = 60_000;

let bridge: ScriptedBridge | undefined;
let recorded: RecordedClient[] = [];

interface Watched extends RecordedClient {
  gaps: CatchUpGap[];
  caughtUp: CaughtUp[];
  notices: Notice[];
}

async function fakeBridge(options: ScriptedBridgeOptions = {}): Promise<ScriptedBridge> {
  bridge = await startScriptedBridge(options);
  return bridge;
}

function start(b: ScriptedBridge, options: Omit<Parameters<typeof recordingClient>[0], 'url'>): Watched {
  const r = recordingClient({ url: b.url, ...options });
  recorded.push(r);
  const watched: Watched = { ...r, gaps: [], caughtUp: [], notices: [] };
  r.client.on('gap', (g) => watched.gaps.push(g));
  r.client.on('caught-up', (c) => watched.caughtUp.push(c));
  r.client.on('notice', (n) => watched.notices.push(n));
  return watched;
}

/** What the app saw: each message as `text/replay` (`-` for live). */
const seen = (r: RecordedClient) => r.messages.map((m) => `${String(m.message)}/${m.replay ?? '-'}`);
const actions = (b: ScriptedBridge, index: number, action: string) =>
  b.connections[index]?.received.filter((f) => f.action === action).map(({ id: _id, ...rest }) => rest);

async function opened(r: RecordedClient, connections: number): Promise<void> {
  await waitFor(
    () => r.client.state === 'open' && bridge?.open().length === connections,
    'the client to open',
  );
}

/** Drops the client's connection from the bridge's side, then lets its reconnect timer run. */
async function dropAndReconnect(
  b: ScriptedBridge,
  r: RecordedClient,
  before: () => void = () => {},
): Promise<void> {
  const count = b.connections.length;
  b.connections.at(-1)?.socket.terminate();
  await waitFor(() => r.client.state === 'reconnecting', 'reconnecting');
  before();
  r.timers.advance(30_000);
  await waitFor(() => b.connections.length === count + 1 && r.client.state === 'open', 'the reconnect');
}

function publish(
  b: ScriptedBridge,
  topic: string,
  names: string[],
  extra: Record<string, unknown> = {},
): void {
  for (const name of names) b.publish({ topic, message: name, id: `id-${name}`, ...extra });
}

afterEach(async () => {
  for (const { client } of recorded) client.close();
  recorded = [];
  await bridge?.stop();
  bridge = undefined;
});

describe('client against a fake bridge: retained values on open', () => {
  it('asks for the retained values of each connect-time filter after every open, marks them, and delivers each once', async () => {
    const b = await fakeBridge();
    b.publish({ topic: 'room/a', message: 'a1', id: 'ra', retain: true });
    b.publish({ topic: 'room/b', message: 'b1', id: 'rb', retain: true });
    b.publish({ topic: 'other', message: 'o1', id: 'ro', retain: true });
    const r = start(b, { topics: ['room/+'] });
    await waitFor(() => r.messages.length === 2, 'the retained values');
    expect(actions(b, 0, 'retained')).toEqual([{ action: 'retained', topic: 'room/+' }]);
    publish(b, 'room/a', ['live']);
    await waitFor(() => r.messages.length === 3, 'the live frame');
    expect(seen(r)).toEqual(['a1/retained', 'b1/retained', 'live/-']);
    expect(r.messages[0]?.frame).toEqual({ topic: 'room/a', message: 'a1', id: 'ra', replay: 'retained' });
    // After a reconnect the same values come again: the client already delivered them (same ids).
    await dropAndReconnect(b, r);
    await waitFor(() => actions(b, 1, 'retained')?.length === 1, 'the second retained request');
    await settle();
    expect(seen(r)).toEqual(['a1/retained', 'b1/retained', 'live/-']);
    // The reconnect also asked for missed frames; this bridge keeps no history for the filter.
    expect(r.notices.map((n) => [n.code, n.filter])).toEqual([['history_not_enabled', 'room/+']]);
    expect([...r.errors, ...r.invalid]).toEqual([]);
  });

  it('sends no retained request with retained: false, and a runtime subscribe gets its values from the bridge', async () => {
    const b = await fakeBridge();
    b.publish({ topic: 'door/1', message: 'closed', id: 'd1', retain: true });
    const r = start(b, { topics: ['door/+'], retained: false });
    await opened(r, 1);
    await r.client.subscribe('door/#');
    await waitFor(() => r.messages.length === 1, 'the retained value after subscribed');
    await settle();
    expect(seen(r)).toEqual(['closed/retained']);
    expect(b.connections[0]?.received.map((f) => f.action)).toEqual(['subscribe']);
  });

  it('an older bridge: unknown_action to retained and history is one notice each, no error, and never asked again', async () => {
    const b = await fakeBridge({ replays: false });
    const r = start(b, { topics: ['t/#'], history: { initial: 5 } });
    await waitFor(() => r.notices.length === 2, 'two notices');
    publish(b, 't/1', ['x']);
    await waitFor(() => r.messages.length === 1, 'a live frame');
    await dropAndReconnect(b, r);
    publish(b, 't/1', ['y']);
    await waitFor(() => r.messages.length === 2, 'a live frame after the reconnect');
    expect(r.notices.map((n) => n.code).sort()).toEqual(['history_unsupported', 'retained_unsupported']);
    expect(b.connections[1]?.received).toEqual([]);
    expect(seen(r)).toEqual(['x/-', 'y/-']);
    expect([...r.errors, ...r.invalid, ...r.gaps]).toEqual([]);
  });
});

describe('client against a fake bridge: catch-up after a reconnect', () => {
  it('delivers what was missed, in order, before the live frames that came meanwhile, each once', async () => {
    const b = await fakeBridge({ historyTopics: ['c/#'], answerHistory: false });
    const r = start(b, { topics: ['c/#'], retained: false });
    await opened(r, 1);
    publish(b, 'c/1', ['1', '2']);
    await waitFor(() => r.messages.length === 2, 'the live frames');
    await dropAndReconnect(b, r, () => publish(b, 'c/1', ['3', '4', '5']));
    await waitFor(() => b.pendingHistory.length === 1, 'the history request');
    expect(b.pendingHistory[0]?.request).toEqual({
      action: 'history',
      topic: 'c/#',
      since: 'id-2',
      id: expect.any(String),
    });
    // Live frames of the filter arrive before the history answer: they wait for it.
    publish(b, 'c/2', ['6', '7']);
    await waitFor(
      () => r.frames.filter((f) => f.includes('"id-7"')).length === 1,
      'the live frames to arrive',
    );
    await settle(50);
    expect(seen(r)).toEqual(['1/-', '2/-']);
    const pending = b.pendingHistory.shift();
    if (pending) b.answerHistory(pending);
    await waitFor(() => r.caughtUp.length === 1, 'caught up');
    await settle();
    // The history (asked after 6 and 7 were published) has them too: they come once, as history.
    expect(seen(r)).toEqual(['1/-', '2/-', '3/history', '4/history', '5/history', '6/history', '7/history']);
    expect(r.caughtUp).toEqual([{ filter: 'c/#', kind: 'reconnect', delivered: 5 }]);
    publish(b, 'c/1', ['8']);
    await waitFor(() => r.messages.length === 8, 'the next live frame');
    expect(r.messages.at(-1)?.replay).toBeUndefined();
    expect([...r.errors, ...r.invalid, ...r.gaps, ...r.notices]).toEqual([]);
  });

  it('delivers held live frames the history does not have after it, and other filters flow meanwhile', async () => {
    const b = await fakeBridge({ historyTopics: ['c/#'] });
    const r = start(b, { topics: ['c/#', 'o'], retained: false });
    await opened(r, 1);
    publish(b, 'c/1', ['1']);
    publish(b, 'o', ['o1']);
    await waitFor(() => r.messages.length === 2, 'the live frames');
    // First reconnect: "o" has no history; the bridge says so once.
    await dropAndReconnect(b, r);
    await waitFor(() => r.notices.length === 1, 'the notice');
    expect(r.notices).toEqual([
      { code: 'history_not_enabled', filter: 'o', reason: expect.stringContaining('no history for "o"') },
    ]);
    b.options.answerHistory = false;
    await dropAndReconnect(b, r, () => publish(b, 'c/1', ['2']));
    await waitFor(() => b.pendingHistory.length === 1, 'the history request');
    expect(actions(b, 2, 'history')).toEqual([{ action: 'history', topic: 'c/#', since: 'id-1' }]);
    // Frames the history will not have (sent to this connection only) wait; "o" is not held.
    b.connections[2]?.send({ topic: 'c/9', message: 'held', id: 'h1' });
    b.connections[2]?.send({ topic: 'o', message: 'o2', id: 'o2' });
    await waitFor(() => r.messages.length === 3, 'the frame of the other filter');
    expect(seen(r)).toEqual(['1/-', 'o1/-', 'o2/-']);
    const pending = b.pendingHistory.shift();
    if (pending) b.answerHistory(pending);
    await waitFor(() => r.messages.length === 5, 'history, then the held frame');
    expect(seen(r)).toEqual(['1/-', 'o1/-', 'o2/-', '2/history', 'held/-']);
    expect(r.notices).toHaveLength(1);
    expect([...r.errors, ...r.gaps]).toEqual([]);
  });

  it('follows more: true with since = the last id received, up to the page bound, then reports the rest as a gap', async () => {
    const b = await fakeBridge({ historyTopics: ['p'], historyPageSize: 2 });
    const r = start(b, { topics: ['p'], retained: false });
    await opened(r, 1);
    publish(b, 'p', ['0']);
    await waitFor(() => r.messages.length === 1, 'the live frame');
    await dropAndReconnect(b, r, () => publish(b, 'p', ['1', '2', '3', '4', '5']));
    await waitFor(() => r.caughtUp.length === 1, 'caught up');
    expect(actions(b, 1, 'history')?.map((f) => f.since)).toEqual(['id-0', 'id-2', 'id-4']);
    expect(seen(r)).toEqual(['0/-', '1/history', '2/history', '3/history', '4/history', '5/history']);
    const missed = Array.from({ length: 2 * DEFAULT_MAX_CATCH_UP_PAGES + 3 }, (_, i) => `m${i}`);
    await dropAndReconnect(b, r, () => publish(b, 'p', missed));
    await waitFor(() => r.caughtUp.length === 2, 'caught up again');
    expect(actions(b, 2, 'history')).toHaveLength(DEFAULT_MAX_CATCH_UP_PAGES);
    expect(r.messages.slice(6).map((m) => m.message)).toEqual(
      missed.slice(0, 2 * DEFAULT_MAX_CATCH_UP_PAGES),
    );
    expect(r.gaps).toEqual([
      {
        filter: 'p',
        since: 'id-5',
        reason: 'incomplete',
        detail: `more was missed than ${DEFAULT_MAX_CATCH_UP_PAGES} history pages`,
      },
    ]);
  });

  it('reports a gap when the last frame seen aged out of the history, and delivers what is kept', async () => {
    const b = await fakeBridge({ historyTopics: ['g'], historyKeep: 3 });
    const r = start(b, { topics: ['g'], retained: false });
    await opened(r, 1);
    publish(b, 'g', ['1']);
    await waitFor(() => r.messages.length === 1, 'the live frame');
    await dropAndReconnect(b, r, () => publish(b, 'g', ['2', '3', '4', '5']));
    await waitFor(() => r.caughtUp.length === 1, 'caught up');
    expect(seen(r)).toEqual(['1/-', '3/history', '4/history', '5/history']);
    expect(r.gaps).toEqual([
      {
        filter: 'g',
        since: 'id-1',
        reason: 'aged_out',
        detail: expect.stringContaining('older frames may be missing'),
      },
    ]);
  });

  it('gives up a history request with no answer in historyTimeoutMs: the held frames flow, a gap, and a late answer adds nothing', async () => {
    const b = await fakeBridge({ historyTopics: ['t'], answerHistory: false });
    const r = start(b, { topics: ['t'], retained: false });
    await opened(r, 1);
    publish(b, 't', ['1']);
    await waitFor(() => r.messages.length === 1, 'the live frame');
    await dropAndReconnect(b, r, () => publish(b, 't', ['2']));
    await waitFor(() => b.pendingHistory.length === 1, 'the history request');
    publish(b, 't', ['3']);
    await waitFor(() => r.frames.some((f) => f.includes('"id-3"')), 'the live frame to arrive');
    r.timers.advance(DEFAULT_HISTORY_TIMEOUT_MS - 1);
    await settle(50);
    expect(seen(r)).toEqual(['1/-']);
    r.timers.advance(1);
    await waitFor(() => r.messages.length === 2, 'the held frame');
    expect(r.gaps).toEqual([
      {
        filter: 't',
        since: 'id-1',
        reason: 'timeout',
        detail: `no answer to the history request within ${DEFAULT_HISTORY_TIMEOUT_MS} ms`,
      },
    ]);
    const late = b.pendingHistory.shift();
    if (late) b.answerHistory(late);
    await waitFor(() => r.frames.some((f) => f.includes('"type":"history"')), 'the late answer');
    await settle();
    expect(seen(r)).toEqual(['1/-', '3/-']);
    expect(r.caughtUp).toEqual([{ filter: 't', kind: 'reconnect', delivered: 0 }]);
  });

  it('asks again on the next connection when the link drops before the answer, and a refused request is a gap', async () => {
    const b = await fakeBridge({ historyTopics: ['t'], answerHistory: false });
    const r = start(b, { topics: ['t'], retained: false });
    await opened(r, 1);
    publish(b, 't', ['1']);
    await waitFor(() => r.messages.length === 1, 'the live frame');
    await dropAndReconnect(b, r, () => publish(b, 't', ['2']));
    await waitFor(() => b.pendingHistory.length === 1, 'the first history request');
    await dropAndReconnect(b, r, () => publish(b, 't', ['3']));
    await waitFor(() => b.pendingHistory.length === 2, 'the request again');
    expect(b.pendingHistory.map((p) => [b.connections.indexOf(p.connection), p.request.since])).toEqual([
      [1, 'id-1'],
      [2, 'id-1'],
    ]);
    const again = b.pendingHistory[1];
    if (again) b.answerHistory(again);
    await waitFor(() => r.caughtUp.length === 1, 'caught up');
    expect(seen(r)).toEqual(['1/-', '2/history', '3/history']);
    b.pendingHistory.length = 0;
    await dropAndReconnect(b, r);
    await waitFor(() => b.pendingHistory.length === 1, 'the third request');
    const refused = b.pendingHistory[0];
    refused?.connection.send({
      type: 'error',
      code: 'store_unavailable',
      reason: 'down',
      id: refused.request.id,
    });
    await waitFor(() => r.gaps.length === 1, 'the gap');
    expect(r.gaps).toEqual([
      {
        filter: 't',
        since: 'id-3',
        reason: 'failed',
        detail: 'the history request was refused (store_unavailable): down',
      },
    ]);
    expect(r.errors).toEqual([]);
  });

  it('an unsubscribe during catch-up drops the held frames and the answer', async () => {
    const b = await fakeBridge({ historyTopics: ['t'], answerHistory: false });
    const r = start(b, { topics: ['t', 'u'], retained: false });
    await opened(r, 1);
    publish(b, 't', ['1']);
    await waitFor(() => r.messages.length === 1, 'the live frame');
    await dropAndReconnect(b, r, () => publish(b, 't', ['2']));
    await waitFor(() => b.pendingHistory.length === 1, 'the history request');
    b.connections[1]?.send({ topic: 't', message: 'held', id: 'h' });
    await waitFor(() => r.frames.some((f) => f.includes('"held"')), 'the held frame to arrive');
    await r.client.unsubscribe('t');
    const pending = b.pendingHistory.shift();
    if (pending) b.answerHistory(pending);
    // The next filter's request goes out once the first one is gone.
    await waitFor(() => b.pendingHistory.length === 1, 'the request for "u"');
    expect(b.pendingHistory[0]?.request).toMatchObject({ topic: 'u' });
    await settle();
    expect(seen(r)).toEqual(['1/-']);
    expect([...r.gaps, ...r.caughtUp]).toEqual([]);
  });

  it('gives up when more than MAX_HELD_FRAMES live frames wait, and delivers them all in order', async () => {
    const b = await fakeBridge({ historyTopics: ['t'], answerHistory: false });
    const r = start(b, { topics: ['t'], retained: false });
    await opened(r, 1);
    publish(b, 't', ['0']);
    await waitFor(() => r.messages.length === 1, 'the live frame');
    await dropAndReconnect(b, r);
    await waitFor(() => b.pendingHistory.length === 1, 'the history request');
    const names = Array.from({ length: MAX_HELD_FRAMES + 1 }, (_, i) => `${i + 1}`);
    for (const name of names) b.connections[1]?.send({ topic: 't', message: name, id: `id-${name}` });
    await waitFor(() => r.messages.length === names.length + 1, 'every held frame');
    expect(r.messages.map((m) => m.message)).toEqual(['0', ...names]);
    expect(r.gaps).toEqual([
      {
        filter: 't',
        since: 'id-0',
        reason: 'timeout',
        detail: `more than ${MAX_HELD_FRAMES} live frames waited for the history`,
      },
    ]);
  });

  it('with catchUp: false sends no history request after a reconnect', async () => {
    const b = await fakeBridge({ historyTopics: ['t'] });
    const r = start(b, { topics: ['t'], retained: false, catchUp: false });
    await opened(r, 1);
    publish(b, 't', ['1']);
    await waitFor(() => r.messages.length === 1, 'the live frame');
    await dropAndReconnect(b, r, () => publish(b, 't', ['2']));
    publish(b, 't', ['3']);
    await waitFor(() => r.messages.length === 2, 'the next live frame');
    expect(b.connections[1]?.received).toEqual([]);
    expect(seen(r)).toEqual(['1/-', '3/-']);
  });

  it('catches up after a renewal too, and the frames of the overlap come once', async () => {
    const b = await fakeBridge({ historyTopics: ['t'] });
    const r = start(b, { topics: ['t'], retained: false, renewAfterMs: RENEW_AFTER_MS });
    await opened(r, 1);
    publish(b, 't', ['1']);
    await waitFor(() => r.messages.length === 1, 'the live frame');
    r.timers.advance(RENEW_AFTER_MS);
    await waitFor(() => b.open().length === 2 && r.caughtUp.length === 1, 'the renewal to catch up');
    publish(b, 't', ['2']);
    await waitFor(() => r.messages.length === 2, 'the frame on both links');
    r.timers.advance(DEFAULT_RENEW_DRAIN_MS);
    await waitFor(() => b.open().length === 1, 'the old link to close');
    await settle();
    expect(actions(b, 1, 'history')).toEqual([{ action: 'history', topic: 't', since: 'id-1' }]);
    expect(seen(r)).toEqual(['1/-', '2/-']);
    expect(r.caughtUp).toEqual([{ filter: 't', kind: 'reconnect', delivered: 0 }]);
  });
});

describe('client against a fake bridge: history on open', () => {
  it('history.initial delivers the newest N stored frames, oldest first, before the live ones, also for a runtime subscribe', async () => {
    const b = await fakeBridge({ historyTopics: ['h/#', 'k'], historyPageSize: 2 });
    publish(b, 'h/1', ['1', '2', '3', '4', '5']);
    publish(b, 'k', ['k1', 'k2']);
    const r = start(b, { topics: ['h/#'], retained: false, history: { initial: 3 } });
    await waitFor(() => r.caughtUp.length === 1, 'the initial history');
    expect(actions(b, 0, 'history')?.map((f) => f.since)).toEqual([undefined, 'id-2', 'id-4']);
    publish(b, 'h/2', ['6']);
    await waitFor(() => r.messages.length === 4, 'the live frame');
    expect(seen(r)).toEqual(['3/history', '4/history', '5/history', '6/-']);
    await r.client.subscribe('k');
    await waitFor(() => r.caughtUp.length === 2, 'the runtime filter');
    expect(seen(r).slice(4)).toEqual(['k1/history', 'k2/history']);
    expect(r.caughtUp).toEqual([
      { filter: 'h/#', kind: 'initial', delivered: 3 },
      { filter: 'k', kind: 'initial', delivered: 2 },
    ]);
  });
});

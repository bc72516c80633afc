import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { ACK_FAILED_RESENDS } from '../../../src/config-settings.js';
import { Dispatcher, type DispatcherOptions } from '../../../src/delivery/dispatcher.js';
import { WsLink } from '../../../src/link/ws-link.js';
import { createCounters } from '../../../src/metrics.js';
import { MemoryQueue } from '../../../src/queue/memory-queue.js';
import { FakeClock, settle } from '../../support/fake-clock.js';
import {
  realPause,
  recordingLogger,
  type ScriptServer,
  startScriptServer,
  until,
} from '../../support/script-server.js';

const FAST = {
  connectTimeoutMs: 2000,
  pingIntervalMs: 60_000,
  pongTimeoutMs: 5000,
  renewAfterMs: 3_600_000,
  renewDrainMs: 1000,
  backoff: { initialMs: 20, maxMs: 50, stableAfterMs: 1000 },
};

describe('Dispatcher (real WsLink, scripted server on port 0, memory queue)', () => {
  let server: ScriptServer;
  let link: WsLink;
  let queue: MemoryQueue;
  let dispatcher: Dispatcher | undefined;
  let deadLetters: { frame: string; code: string; reason: string }[];
  const counters = createCounters();

  beforeEach(async () => {
    server = await startScriptServer();
    link = new WsLink({ url: server.url, WebSocket, logger: recordingLogger(), ...FAST });
    queue = new MemoryQueue({ maxBytes: 1024 * 1024 });
    deadLetters = [];
    Object.assign(counters, createCounters());
  });
  afterEach(async () => {
    await dispatcher?.stop();
    await link.stop();
    await server.close();
  });

  function start(overrides: Partial<DispatcherOptions> = {}): Dispatcher {
    dispatcher = new Dispatcher({
      queue,
      link,
      logger: recordingLogger(),
      counters,
      deadLetters: { put: async (entry) => void deadLetters.push(entry) },
      window: 8,
      paceFramesPerSecond: 0,
      ackTimeoutMs: 10_000,
      retryBackoff: { initialMs: 10, maxMs: 20 },
      ...overrides,
    });
    link.start();
    dispatcher.start();
    return dispatcher;
  }
  const append = (id: string, topic = 't') =>
    queue.append(Buffer.from(JSON.stringify({ topic, message: id, id })));
  const receivedIds = () => server.received.filter((r) => 'topic' in r.frame).map((r) => r.frame.id);

  it('sends the backlog oldest first and removes each frame only on its ack', async () => {
    for (let i = 0; i < 50; i++) await append(`f${i}`);
    start();
    await until(() => queue.stats().depth === 0, 'drained');
    expect(receivedIds()).toEqual(Array.from({ length: 50 }, (_, i) => `f${i}`));
    expect(counters).toMatchObject({ sent: 50, acked: 50, rejected: 0, resent: 0 });
    await append('late');
    await until(() => queue.stats().depth === 0, 'late frame');
    expect(receivedIds().at(-1)).toBe('late');
  });

  it('keeps at most `window` frames unacknowledged', async () => {
    server.behaviour.ack = false;
    for (let i = 0; i < 20; i++) await append(`f${i}`);
    const d = start({ window: 5 });
    await until(() => receivedIds().length === 5, 'first window');
    await realPause(100);
    expect(receivedIds()).toEqual(['f0', 'f1', 'f2', 'f3', 'f4']);
    expect(d.inFlightCount).toBe(5);
    server.sockets[0]?.send(JSON.stringify({ type: 'ack', id: 'f2', delivered: 0 }));
    await until(() => receivedIds().length === 6, 'one more');
    await realPause(50);
    expect(receivedIds().at(-1)).toBe('f5');
    expect(queue.stats().depth).toBe(19);
  });

  it('dead-letters a frame refused with a final code, retries a retryable one, and ignores unknown acks', async () => {
    let storeFailures = 2;
    server.behaviour.reply = (frame) => {
      if (frame.id === 'bad') return { type: 'error', code: 'invalid_topic', reason: 'no', id: 'bad' };
      if (frame.id === 'flaky' && storeFailures-- > 0)
        return { type: 'error', code: 'store_unavailable', reason: 'later', id: 'flaky' };
      if (frame.id === 'ok') return { type: 'ack', id: 'someone-else', delivered: 1 };
      return undefined;
    };
    await append('bad');
    await append('flaky');
    await append('ok');
    start();
    await until(() => counters.rejected === 1 && counters.acked === 1, 'bad rejected, flaky acked');
    expect(deadLetters).toEqual([
      {
        frame: JSON.stringify({ topic: 't', message: 'bad', id: 'bad' }),
        code: 'invalid_topic',
        reason: 'no',
      },
    ]);
    expect(receivedIds().filter((id) => id === 'flaky')).toHaveLength(3);
    expect(queue.stats().depth).toBe(1);
    expect((await queue.read(0, 10)).map((r) => JSON.parse(Buffer.from(r.data).toString()).id)).toEqual([
      'ok',
    ]);
  });

  it('sends a frame again while its ack counts failed posts, at most ACK_FAILED_RESENDS times', async () => {
    let partialFailures = 2;
    server.behaviour.reply = (frame) => {
      if (frame.id === 'partial' && partialFailures-- > 0)
        return { type: 'ack', id: 'partial', delivered: 1, failed: 2 };
      if (frame.id === 'stuck') return { type: 'ack', id: 'stuck', delivered: 2, failed: 1 };
      return undefined;
    };
    await append('partial');
    await append('stuck');
    start();
    await until(() => counters.acked === 2, 'both kept as delivered in the end');
    expect(receivedIds().filter((id) => id === 'partial')).toHaveLength(3);
    expect(receivedIds().filter((id) => id === 'stuck')).toHaveLength(1 + ACK_FAILED_RESENDS);
    expect(queue.stats().depth).toBe(0);
    expect(deadLetters).toEqual([]);
  });

  it('resends frames whose connection dropped before their ack, with the same ids', async () => {
    server.behaviour.ack = false;
    for (let i = 0; i < 3; i++) await append(`f${i}`);
    start();
    await until(() => receivedIds().length === 3, 'three sent');
    server.behaviour.ack = true;
    server.sockets[0]?.terminate();
    await until(() => queue.stats().depth === 0, 'drained after reconnect');
    expect(server.received.filter((r) => r.socket === 1).map((r) => r.frame.id)).toEqual(['f0', 'f1', 'f2']);
    expect(counters).toMatchObject({ acked: 3, resent: 3, sent: 6 });
  });

  it('resends a frame with no ack within ackTimeoutMs (fake clock: exactly when the check after the timeout runs)', async () => {
    let swallowed = false;
    server.behaviour.reply = (frame) => {
      if (frame.id === 'lost' && !swallowed) {
        swallowed = true;
        return { type: 'pong' };
      }
      return undefined;
    };
    const clock = new FakeClock();
    await append('lost');
    start({ ackTimeoutMs: 1000, now: clock.now, timers: clock });
    await until(() => receivedIds().length === 1, 'first send');
    // Checks run every 250 ms; at 1000 ms the frame is exactly 1000 ms old, not older: the 1250 ms check resends.
    await clock.advance(1249);
    await settle();
    expect(receivedIds()).toEqual(['lost']);
    await clock.advance(1);
    await until(() => queue.stats().depth === 0, 'acked after resend');
    expect(receivedIds()).toEqual(['lost', 'lost']);
    expect(counters).toMatchObject({ sent: 2, resent: 1, acked: 1 });
  });

  it('still resends a frame with no ack after the clock was stepped back an hour (fake clock)', async () => {
    server.behaviour.ack = false;
    const clock = new FakeClock(10 * 3_600_000);
    await append('lost');
    start({ ackTimeoutMs: 1000, now: clock.now, timers: clock });
    await until(() => receivedIds().length === 1, 'first send');
    clock.jumpTo(9 * 3_600_000);
    server.behaviour.ack = true;
    await clock.advance(1500);
    await until(() => queue.stats().depth === 0, 'acked after the resend');
    expect(receivedIds()).toEqual(['lost', 'lost']);
  });

  it('paces sends to paceFramesPerSecond after a burst of `window` (fake clock: one frame per 50 ms)', async () => {
    const clock = new FakeClock();
    for (let i = 0; i < 14; i++) await append(`f${i}`);
    start({ window: 4, paceFramesPerSecond: 20, now: clock.now, timers: clock });
    await until(() => receivedIds().length === 4, 'the burst');
    for (let sent = 5; sent <= 14; sent++) {
      await clock.advance(49);
      await settle();
      expect(receivedIds()).toHaveLength(sent - 1);
      await clock.advance(1);
      await until(() => receivedIds().length === sent, `frame ${sent}`);
    }
    await until(() => queue.stats().depth === 0, 'drained');
    expect(clock.now()).toBe(500);
    expect(receivedIds()).toEqual(Array.from({ length: 14 }, (_, i) => `f${i}`));
  });

  it('leaves no abort listener behind per paced frame while a backlog drains (MaxListenersExceededWarning)', async () => {
    const signals = new Set<EventTarget>();
    const add = EventTarget.prototype.addEventListener;
    const spy = vi.spyOn(EventTarget.prototype, 'addEventListener').mockImplementation(function (
      this: EventTarget,
      ...args: Parameters<EventTarget['addEventListener']>
    ) {
      if (this instanceof AbortSignal) signals.add(this);
      return add.apply(this, args);
    });
    try {
      for (let i = 0; i < 60; i++) await append(`f${i}`);
      // Window 1 at 2000 frames/s: the pacer makes the dispatcher sleep before almost every frame.
      start({ window: 1, paceFramesPerSecond: 2000 });
      await until(() => queue.stats().depth === 0, 'drained', 10_000_000);
      const most = Math.max(...[...signals].map((s) => getEventListeners(s, 'abort').length));
      expect(receivedIds()).toHaveLength(60);
      expect(most).toBeLessThanOrEqual(2);
    } finally {
      spy.mockRestore();
    }
  });
});

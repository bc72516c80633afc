import { fullJitterDelay } from '@topic-bridge/shared-types';
import WebSocket from 'ws';
import type { FrameLedger } from './ledger.js';

/** Longest wait for the bridge's reply to one frame: API Gateway's integration timeout, plus a margin. */
export const REPLY_TIMEOUT_MS = 31_000;

/** A raw WebSocket subscriber that records every publish frame it receives in the ledger, by id. */
export interface Subscriber {
  readonly name: string;
  /** Every frame received, parsed, in order (replies and publishes). */
  readonly frames: ReadonlyArray<Record<string, unknown>>;
  /** Sends a frame as JSON. */
  send(frame: object): void;
  /** Waits for `count` replies (frames with a `type`) in total; resolves with all replies. */
  replies(count: number, timeoutMs?: number): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

function isPublishFrame(frame: Record<string, unknown>): frame is { topic: string; id: string } {
  return frame.type === undefined && typeof frame.topic === 'string' && typeof frame.id === 'string';
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => {
      reject(new Error(`the handshake was refused with HTTP ${response.statusCode}`));
      socket.terminate();
    });
    socket.on('error', reject);
  });
}

function urlWith(base: string, topics: readonly string[]): string {
  const query = topics.map((topic) => `topicName=${encodeURIComponent(topic)}`).join('&');
  return query === '' ? base : `${base}?${query}`;
}

/** Opens a subscriber with connect-time `topics`; publish frames it receives go to `ledger` under `name`. */
export async function openSubscriber(
  baseUrl: string,
  name: string,
  ledger: FrameLedger,
  topics: readonly string[],
): Promise<Subscriber> {
  const socket = await open(urlWith(baseUrl, topics));
  const frames: Array<Record<string, unknown>> = [];
  const wakers = new Set<() => void>();
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as Record<string, unknown>;
    frames.push(frame);
    if (isPublishFrame(frame)) ledger.receive(name, frame.id);
    for (const wake of wakers) wake();
  });
  const replyFrames = () => frames.filter((frame) => frame.type !== undefined);
  return {
    name,
    frames,
    send: (frame) => socket.send(JSON.stringify(frame)),
    replies: (count, timeoutMs = REPLY_TIMEOUT_MS) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (replyFrames().length < count) return;
          wakers.delete(check);
          clearTimeout(timer);
          resolve(replyFrames());
        };
        const timer = setTimeout(() => {
          wakers.delete(check);
          reject(
            new Error(
              `expected ${count} replies within ${timeoutMs} ms; got ${JSON.stringify(replyFrames())}`,
            ),
          );
        }, timeoutMs);
        wakers.add(check);
        check();
      }),
    close: () =>
      new Promise((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.close();
      }),
  };
}

/** How one publish ended: acked after `attempts` sends, with the error codes (or `no_reply`) met before. */
export interface PublishOutcome {
  id: string;
  attempts: number;
  errors: string[];
  delivered: number;
  /** Per send: time from sending to the bridge's reply (ms). */
  replyMs: number[];
}

/** A raw WebSocket publisher that resends a frame with the same id until the bridge acks it. */
export interface Publisher {
  /** Publishes `{topic, message, id}` until acked; retryable errors and missing replies are retried. */
  publish(topic: string, id: string, message: unknown): Promise<PublishOutcome>;
  close(): Promise<void>;
}

// Error codes the protocol marks temporary (docs/PROTOCOL.md): the same frame may be sent again.
const RETRYABLE_CODES = new Set(['store_unavailable', 'internal']);
const PUBLISH_ATTEMPTS = 12;
const RETRY_BASE_MS = 100;
const RETRY_CAP_MS = 2_000;

/** Opens a publish-only connection. */
export async function openPublisher(baseUrl: string, random: () => number = Math.random): Promise<Publisher> {
  const socket = await open(baseUrl);
  const waiting = new Map<string, (reply: Record<string, unknown>) => void>();
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as Record<string, unknown>;
    if (typeof frame.id !== 'string' || frame.type === undefined) return;
    waiting.get(frame.id)?.(frame);
  });
  const sendOnce = (frame: object, id: string) =>
    new Promise<Record<string, unknown> | undefined>((resolve) => {
      const timer = setTimeout(() => {
        waiting.delete(id);
        resolve(undefined);
      }, REPLY_TIMEOUT_MS);
      waiting.set(id, (reply) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(reply);
      });
      socket.send(JSON.stringify(frame));
    });
  return {
    async publish(topic, id, message) {
      const errors: string[] = [];
      const replyMs: number[] = [];
      for (let attempt = 0; attempt < PUBLISH_ATTEMPTS; attempt++) {
        const started = Date.now();
        const reply = await sendOnce({ topic, message, id }, id);
        replyMs.push(Date.now() - started);
        if (reply?.type === 'ack') {
          return { id, attempts: attempt + 1, errors, delivered: Number(reply.delivered), replyMs };
        }
        const code = reply === undefined ? 'no_reply' : String(reply.code);
        errors.push(code);
        if (reply !== undefined && !RETRYABLE_CODES.has(code)) break;
        await new Promise((resolve) =>
          setTimeout(resolve, fullJitterDelay(attempt, RETRY_BASE_MS, RETRY_CAP_MS, random)),
        );
      }
      throw new Error(`publish ${id} was not acknowledged: ${errors.join(', ')}`);
    },
    close: () =>
      new Promise((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.close();
      }),
  };
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function inWindows<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Waits until `done()` or `timeoutMs`, checking every `everyMs`; returns whether it became true. */
export async function waitUntil(done: () => boolean, timeoutMs: number, everyMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return true;
}

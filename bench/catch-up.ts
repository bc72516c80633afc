/**
 * Catch-up time after a reconnect, on the local stack (serverless-offline + dynalite, history on for the
 * bench's topics). A subscriber (the client library) loses its socket; while it is away a publisher sends
 * N frames (acked one by one); then the subscriber reconnects. Measured: from its new socket's open to the
 * last missed frame delivered to the app (all N, in order, each once, checked), and the history requests it
 * took (N / 100 per page). The subscriber's reconnect timer runs on an injected clock, so the outage lasts
 * exactly as long as the publishing and no backoff delay is counted.
 * Run: `npx tsx bench/catch-up.ts [missed=100] [runs=7]`. Results: docs/BENCHMARKS.md.
 */
import { pathToFileURL } from 'node:url';
import { connect, type ReceivedMessage, type Timers, type TopicBridgeClient } from '@topic-bridge/client';
import { WebSocket } from 'ws';
import { startLocalStack } from '../cloud/local/stack.js';

const FILTER = 'bench/catchup/#';
const TOPIC = 'bench/catchup/t';
const TIMEOUT_MS = 60_000;
/**
 * Frames the bench's history keeps per topic: above the frames missed (at the default, 100, the last frame
 * seen before a drop of 100 frames ages out, which is a `gap`, not a catch-up).
 */
const HISTORY_MAX_FRAMES = 1_000;

/** One reconnect's figures. */
export interface CatchUpRun {
  missed: number;
  /** From the new socket's open to the first missed frame delivered. */
  firstMs: number;
  /** From the new socket's open to the last missed frame delivered. */
  catchUpMs: number;
  historyRequests: number;
}

/** Timers that run only when `fire()` is called: the subscriber reconnects when the bench says so. */
class HeldTimers implements Timers {
  #next = 1;
  readonly #callbacks = new Map<number, () => void>();
  setTimeout(callback: () => void, _ms: number): unknown {
    const id = this.#next++;
    this.#callbacks.set(id, callback);
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#callbacks.delete(handle as number);
  }
  /** Runs every pending timer (the reconnect among them). */
  fire(): void {
    const due = [...this.#callbacks.entries()];
    this.#callbacks.clear();
    for (const [, callback] of due) callback();
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const end = performance.now() + TIMEOUT_MS;
  while (!condition()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Runs `runs` reconnects, `missed` frames missed each time, against one local stack. */
export async function measureCatchUp(missed: number, runs: number): Promise<CatchUpRun[]> {
  const stack = await startLocalStack({
    logLevel: 'warn',
    history: { topics: [FILTER], maxFrames: HISTORY_MAX_FRAMES },
  });
  const sockets: WebSocket[] = [];
  const sent: string[] = [];
  class TappedWebSocket extends WebSocket {
    constructor(url: string, protocols?: string[]) {
      super(url, protocols);
      sockets.push(this);
      const original = this.send.bind(this);
      this.send = ((text: string) => {
        if (text.includes('"action":"history"')) sent.push(text);
        original(text);
      }) as typeof this.send;
    }
  }
  const timers = new HeldTimers();
  const messages: { message: ReceivedMessage; at: number }[] = [];
  let openedAt = 0;
  const subscriber: TopicBridgeClient = connect({
    url: stack.wsUrl,
    topics: [FILTER],
    WebSocket: TappedWebSocket,
    timers,
    retained: false,
  });
  subscriber.on('message', (message) => messages.push({ message, at: performance.now() }));
  subscriber.on('state', ({ state }) => {
    if (state === 'open') openedAt = performance.now();
  });
  const gaps: unknown[] = [];
  subscriber.on('gap', (gap) => gaps.push(gap));
  const publisher = connect({ url: stack.wsUrl, WebSocket });
  try {
    await until(() => subscriber.state === 'open' && publisher.state === 'open', 'both clients to open');
    // Warm the handlers and the history path once: cold starts are not catch-up's cost.
    await publisher.publish(TOPIC, { warm: true }, { id: 'warm' });
    await until(() => messages.length === 1, 'the warm-up frame');
    const results: CatchUpRun[] = [];
    for (let run = 0; run < runs; run++) {
      const socket = sockets.at(-1);
      socket?.terminate();
      await until(() => subscriber.state === 'reconnecting', 'the subscriber to notice the drop');
      const ids = Array.from({ length: missed }, (_, i) => `r${run}-${i}`);
      for (const [i, id] of ids.entries()) await publisher.publish(TOPIC, { run, i }, { id });
      const before = messages.length;
      const requestsBefore = sent.length;
      timers.fire();
      await until(() => messages.length === before + missed, `the ${missed} missed frames`);
      const delivered = messages.slice(before);
      const inOrder = delivered.every((m, i) => m.message.id === ids[i] && m.message.replay === 'history');
      if (!inOrder || gaps.length > 0)
        throw new Error(`run ${run}: frames out of order, not history, or a gap`);
      results.push({
        missed,
        firstMs: Math.round((delivered[0]?.at ?? 0) - openedAt),
        catchUpMs: Math.round((delivered.at(-1)?.at ?? 0) - openedAt),
        historyRequests: sent.length - requestsBefore,
      });
    }
    return results;
  } finally {
    subscriber.close();
    publisher.close();
    await stack.stop();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

async function main(): Promise<void> {
  const missed = Number(process.argv[2] ?? 100);
  const runs = Number(process.argv[3] ?? 7);
  const results = await measureCatchUp(missed, runs);
  console.log('| run | missed | history requests | open → first missed frame | open → last missed frame |');
  console.log('|---|---:|---:|---:|---:|');
  results.forEach((r, i) => {
    console.log(`| ${i + 1} | ${r.missed} | ${r.historyRequests} | ${r.firstMs} ms | ${r.catchUpMs} ms |`);
  });
  const medianOf = (key: 'firstMs' | 'catchUpMs') => `${median(results.map((r) => r[key]))} ms`;
  console.log(`| median | ${missed} | | ${medianOf('firstMs')} | ${medianOf('catchUpMs')} |`);
  for (const r of results) console.log(JSON.stringify({ bench: 'catch-up', ...r }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();

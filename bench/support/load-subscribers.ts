/**
 * One subscriber process of the load run (bench/load.ts forks several, so that no one thread receives and
 * parses all 2,800 deliveries/s): opens the subscribers `first, first + step, …` below `connections`, each with
 * its plan filter, counts every arrival by id in its own FrameLedger (exact, per subscriber), and reports to the
 * coordinator over IPC. Its ledger covers only its own subscribers, so the coordinator adds the counts.
 * Argument: JSON `{ wsUrl, shape, first, step, connectWindow }`.
 */
import { topicMatches } from '@topic-bridge/shared-types';
import type WebSocket from 'ws';
import { FrameLedger } from '../../cloud/tests/faults/support/ledger.js';
import { ErrorFrameSample, openSocket } from './load-client.js';
import {
  filterOf,
  frameOf,
  type LoadShape,
  type SubscriberCommand,
  type SubscriberReport,
  subscriberName,
  topicsOf,
} from './load-plan.js';

/** How often progress goes to the coordinator once the frames are known (it waits for the drain on it). */
const PROGRESS_EVERY_MS = 500;

interface Settings {
  wsUrl: string;
  shape: LoadShape;
  first: number;
  step: number;
  connectWindow: number;
}

const settings = JSON.parse(process.argv[2] ?? '{}') as Settings;
const send = (report: SubscriberReport) => process.send?.(report);
const topics = topicsOf(settings.shape);
const ledger = new FrameLedger('load');
const sockets: WebSocket[] = [];
const latencies: number[] = [];
const errorFrames = new ErrorFrameSample();
let arrivals = 0;
let closedEarly = 0;
let finishing = false;

function listen(socket: WebSocket, name: string): void {
  socket.on('message', (data) => {
    const text = String(data);
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(text) as Record<string, unknown>;
    } catch {
      frame = { type: 'error', reason: 'not JSON' };
    }
    if (frame.type === 'error') errorFrames.record(text);
    if (typeof frame.id !== 'string' || frame.type !== undefined) return;
    arrivals++;
    ledger.receive(name, frame.id);
    const sentAt = (frame.message as { sentAt?: number } | undefined)?.sentAt;
    if (typeof sentAt === 'number') latencies.push(Date.now() - sentAt);
  });
  socket.on('close', () => {
    if (!finishing) closedEarly++;
  });
}

const mine: number[] = [];
for (let index = settings.first; index < settings.shape.connections; index += settings.step) mine.push(index);
const filters = new Map(mine.map((index) => [index, filterOf(settings.shape, topics, index)]));

const connectStarted = Date.now();
for (let i = 0; i < mine.length; i += settings.connectWindow) {
  await Promise.all(
    mine.slice(i, i + settings.connectWindow).map(async (index) => {
      const filter = filters.get(index) ?? '';
      const socket = await openSocket(`${settings.wsUrl}?topicName=${encodeURIComponent(filter)}`);
      listen(socket, subscriberName(index));
      sockets.push(socket);
    }),
  );
}
send({ type: 'connected', connections: sockets.length, connectMs: Date.now() - connectStarted });

let progressTimer: NodeJS.Timeout | undefined;
process.on('message', (command: SubscriberCommand) => {
  if (command.type === 'expect') {
    const subscribersOf = new Map(
      topics.map((topic) => [
        topic,
        mine.filter((index) => topicMatches(filters.get(index) ?? '', topic)).map(subscriberName),
      ]),
    );
    for (let k = 0; k < command.total; k++) {
      const { topic, id } = frameOf(topics, k);
      ledger.expect(id, subscribersOf.get(topic) ?? []);
    }
    const progress = () =>
      send({
        type: 'progress',
        arrivals,
        delivered: ledger.deliveredPairs(),
        expected: ledger.expectedPairs(),
      });
    progress();
    progressTimer = setInterval(progress, PROGRESS_EVERY_MS);
    return;
  }
  finishing = true;
  clearInterval(progressTimer);
  const { expected, delivered, lost, duplicated, unexpected } = ledger.report(null);
  const final: SubscriberReport = {
    type: 'final',
    counts: { expected, delivered, lost, duplicated, unexpected },
    latencies,
    errorFrames: errorFrames.count,
    firstErrorFrames: errorFrames.first,
    closedEarly,
  };
  // Disconnect only once the report is out: the coordinator waits for it.
  process.send?.(final, undefined, {}, () => {
    for (const socket of sockets) socket.terminate();
    process.disconnect();
  });
});
// The coordinator gone (it crashed or was killed): nothing left to report to.
process.on('disconnect', () => {
  for (const socket of sockets) socket.terminate();
  process.exit(0);
});

/**
 * The load run's publisher process (bench/load.ts): opens `publishers` WebSockets, and on `go` sends frame k
 * (bench/support/load-plan.ts: topic, id `load-k`, `sentAt`) at start + k / rate s, round-robin over the
 * sockets, for `seconds`; then reports what it sent, and on `finish` the acks and error frames it got.
 * In its own process so that its pacing is not delayed by the subscribers or by dynalite.
 * Argument: JSON `{ wsUrl, shape, rate, seconds, publishers }`.
 */
import { ErrorFrameSample, openSocket } from './load-client.js';
import {
  frameOf,
  type LoadShape,
  type PublisherCommand,
  type PublisherReport,
  topicsOf,
} from './load-plan.js';

interface Settings {
  wsUrl: string;
  shape: LoadShape;
  rate: number;
  seconds: number;
  publishers: number;
}

const settings = JSON.parse(process.argv[2] ?? '{}') as Settings;
const send = (report: PublisherReport) => process.send?.(report);
const topics = topicsOf(settings.shape);
let acks = 0;
const errorFrames = new ErrorFrameSample();

const sockets = await Promise.all(
  Array.from({ length: settings.publishers }, () => openSocket(settings.wsUrl)),
);
for (const socket of sockets) {
  socket.on('message', (data) => {
    const text = String(data);
    const frame = JSON.parse(text) as Record<string, unknown>;
    if (frame.type === 'ack') acks++;
    else if (frame.type === 'error') errorFrames.record(text);
  });
}

async function publish(): Promise<void> {
  const started = Date.now();
  const total = settings.rate * settings.seconds;
  let maxBehindMs = 0;
  for (let k = 0; k < total; k++) {
    const due = started + (k * 1000) / settings.rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    else maxBehindMs = Math.max(maxBehindMs, -wait);
    const { topic, id } = frameOf(topics, k);
    sockets[k % sockets.length]?.send(JSON.stringify({ topic, id, message: { k, sentAt: Date.now() } }));
  }
  send({ type: 'sent', sent: total, publishMs: Date.now() - started, maxBehindMs: Math.round(maxBehindMs) });
}

process.on('message', (command: PublisherCommand) => {
  if (command.type === 'go') {
    void publish();
    return;
  }
  const final: PublisherReport = {
    type: 'final',
    acks,
    errorFrames: errorFrames.count,
    firstErrorFrames: errorFrames.first,
  };
  process.send?.(final, undefined, {}, () => {
    for (const socket of sockets) socket.terminate();
    process.disconnect();
  });
});
process.on('disconnect', () => {
  for (const socket of sockets) socket.terminate();
  process.exit(0);
});
send({ type: 'ready' });

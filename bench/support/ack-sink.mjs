// A fast stand-in for the bridge, for bench/agent-sink.ts: a bare `ws` server that answers every published
// frame at once with `{"type":"ack","id":…,"delivered":1}` and every ping with a pong, so that the agent, not
// the bridge, is what gets measured. Runs in its own process (its CPU is not the agent's); prints its port
// over IPC. Told `{expect: N}`, it reports `{done, unique, frames, firstAt, lastAt}` once N distinct ids have
// arrived (times in ms since the epoch, sub-millisecond, comparable across processes), with its own CPU seconds;
// `{stats: true}` asks for the same at once; `{reset: true}` forgets the ids seen so far.
import { WebSocketServer } from 'ws';

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
let ids = new Set();
let frames = 0;
let firstAt;
let lastAt;
let expect = Number.POSITIVE_INFINITY;
let connections = 0;
const nowMs = () => performance.timeOrigin + performance.now();
const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

server.on('listening', () => process.send?.({ port: server.address().port }));
server.on('connection', (socket) => {
  connections += 1;
  process.send?.({ connections });
  socket.on('message', (data) => {
    let frame;
    try {
      frame = JSON.parse(String(data));
    } catch {
      return;
    }
    if (frame.action === 'ping') {
      socket.send('{"type":"pong"}');
      return;
    }
    if (typeof frame.id !== 'string') return;
    socket.send(`{"type":"ack","id":${JSON.stringify(frame.id)},"delivered":1}`);
    frames += 1;
    lastAt = nowMs();
    firstAt ??= lastAt;
    ids.add(frame.id);
    if (ids.size === expect) {
      expect = Number.POSITIVE_INFINITY;
      process.send?.({ done: true, unique: ids.size, frames, firstAt, lastAt, cpuSeconds: cpuSeconds() });
    }
  });
});
process.on('message', (message) => {
  if (message.reset) {
    ids = new Set();
    frames = 0;
    firstAt = undefined;
    lastAt = undefined;
  }
  if (message.expect !== undefined) {
    expect = message.expect;
    if (ids.size >= expect) {
      expect = Number.POSITIVE_INFINITY;
      process.send?.({ done: true, unique: ids.size, frames, firstAt, lastAt, cpuSeconds: cpuSeconds() });
    }
  }
  if (message.stats)
    process.send?.({ stats: true, unique: ids.size, frames, firstAt, lastAt, cpuSeconds: cpuSeconds() });
});
process.on('disconnect', () => process.exit(0));

/**
 * The MQTT broker of bench/agent-sink.ts (aedes), in its own process so that the agent, the broker and the sink
 * each get their own share of the cores and the bench can report the broker's CPU per frame apart from the
 * agent's. Prints nothing; over IPC it sends `{port}` once listening, `{subscribed: clientId}` for every
 * SUBSCRIBE, and answers `{stats: true}` with `{stats: true, cpuSeconds}` (its own CPU so far). Exits when its
 * parent disconnects. Run by agent-sink (fork with tsx), not by hand.
 */
import { createServer } from 'node:net';
import { Aedes } from 'aedes';

const broker = await Aedes.createBroker();
const server = createServer((socket) => broker.handle(socket));
broker.on('subscribe', (_subscriptions, client) => {
  if (client) process.send?.({ subscribed: client.id });
});
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as { port: number }).port }));
process.on('message', (message: { stats?: boolean }) => {
  if (!message.stats) return;
  const { user, system } = process.cpuUsage();
  process.send?.({ stats: true, cpuSeconds: (user + system) / 1e6 });
});
process.on('disconnect', () => {
  server.close();
  broker.close(() => process.exit(0));
});

/**
 * Child process for the agent crash test: an agent whose bridge is unreachable, so that every reading stays
 * in its disk queue. It emits readings `r0…` and prints each index once `emit` has resolved as accepted
 * (durably queued). The test kills it with SIGKILL and restarts an agent on the same state directory.
 */
import { agentConfig, testAgent } from './agent-harness.js';

const [stateDir, url, countText] = process.argv.slice(2) as [string, string, string];
const config = await agentConfig({
  'bridge-url': url,
  'state-dir': stateDir,
  'device-id': 'crash',
  'queue-fsync-interval-ms': '20',
});
const agent = testAgent(config);
await agent.start();
const pending: Promise<void>[] = [];
for (let i = 0; i < Number(countText); i++) {
  pending.push(
    agent.emit({ topic: 'crash/readings', message: { i } }).then((result) => {
      if (result.accepted) process.stdout.write(`${i}\n`);
    }),
  );
  if (pending.length === 50) await Promise.all(pending.splice(0));
}
await Promise.all(pending);
process.stdout.write('all\n');
setInterval(() => {}, 60_000);

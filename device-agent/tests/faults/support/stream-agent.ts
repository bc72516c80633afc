/**
 * Child process for fault 5 (kill -9): an agent on `stateDir` that sends to `url` at `pace` frames/s while it
 * emits readings `{ run, i }` faster than that, so a backlog builds on disk. It prints `run:i` once a reading
 * is durably queued (emit resolved as accepted). With `count` 0 it only drains its queue. The test kills it
 * with SIGKILL at random moments and starts it again on the same state directory.
 */
import { agentConfig, testAgent } from '../../support/agent-harness.js';

const [stateDir, url, run, countText, pace] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const config = await agentConfig({
  'bridge-url': url,
  'state-dir': stateDir,
  'device-id': 'kill9',
  'queue-fsync-interval-ms': '20',
  'delivery-pace-frames-per-second': pace,
});
const agent = testAgent(config);
await agent.start();
process.stdout.write('started\n');
const pending: Promise<void>[] = [];
for (let i = 0; i < Number(countText); i++) {
  pending.push(
    agent.emit({ topic: 'kill9/readings', message: { run: Number(run), i } }).then((result) => {
      if (result.accepted) process.stdout.write(`${run}:${i}\n`);
    }),
  );
  if (pending.length === 20) await Promise.all(pending.splice(0));
}
await Promise.all(pending);
setInterval(() => {}, 60_000);

/**
 * Bench: time to drain a backlog of N frames (default 10,000) from the agent's disk queue through the real
 * local stack (serverless-offline + dynalite), with one subscriber receiving them.
 * Run: npx tsx bench/agent-drain.ts [frames] [window] [pace]   (pace 0 = unlimited)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLocalStack } from '../cloud/local/stack.js';
import { agentConfig, recordingSubscriber, testAgent } from '../device-agent/tests/support/agent-harness.js';

const frames = Number(process.argv[2] ?? 10_000);
const window = process.argv[3] ?? '32';
const pace = process.argv[4] ?? '0';
const dir = await mkdtemp(path.join(tmpdir(), 'agent-drain-'));
const stack = await startLocalStack({ logLevel: 'warn' });
try {
  // Fill the backlog with the bridge unreachable, then point a fresh agent at the stack and time the drain.
  const offline = testAgent(
    await agentConfig({
      'bridge-url': 'ws://127.0.0.1:9',
      'state-dir': dir,
      'device-id': 'bench',
      'queue-fsync-interval-ms': '20',
    }),
  );
  await offline.start();
  for (let i = 0; i < frames; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, frames - i) }, (_, k) =>
        offline.emit({ topic: 'bench/drain', message: { i: i + k, v: Math.random() } }),
      ),
    );
  }
  await offline.stop();
  const subscriber = await recordingSubscriber(stack.wsUrl, 'bench/#');
  const config = await agentConfig({
    'bridge-url': stack.wsUrl,
    'state-dir': dir,
    'device-id': 'bench',
    'delivery-window': window,
    'delivery-pace-frames-per-second': pace,
  });
  const agent = testAgent(config);
  const started = performance.now();
  await agent.start();
  while (agent.snapshot().queue.depth > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  const seconds = (performance.now() - started) / 1000;
  const unique = new Set(subscriber.frames.map((f) => f.id)).size;
  console.log(
    JSON.stringify({
      bench: 'agent-drain',
      frames,
      window: Number(window),
      pace: Number(pace),
      seconds: Number(seconds.toFixed(2)),
      framesPerSecond: Math.round(frames / seconds),
      receivedUnique: unique,
      sent: agent.snapshot().counters.sent,
    }),
  );
  await agent.stop();
  subscriber.close();
} finally {
  await stack.stop();
  await rm(dir, { recursive: true, force: true });
}

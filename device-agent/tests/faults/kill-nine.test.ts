import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../cloud/tests/support/seeded-random.js';
import { realPause, type ScriptServer, startScriptServer } from '../support/script-server.js';
import { tempDir } from '../support/temp-dir.js';
import { FULL, printReport, tally } from './support/tally.js';

const CHILD = path.resolve(import.meta.dirname, 'support/stream-agent.ts');
/** The drain pace of the killed agents: well under their emit rate, so a backlog is on disk at each kill. */
const PACE = '400';
/** Upper bound on waiting for a child or the final drain (a bound, not an assertion on speed). */
const WAIT_LIMIT_MS = 120_000;

interface Child {
  process: ChildProcess;
  confirmed: string[];
  started: Promise<void>;
}

function startChild(stateDir: string, url: string, run: number, count: number): Child {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CHILD, stateDir, url, String(run), String(count), PACE],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const confirmed: string[] = [];
  let buffered = '';
  let markStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (buffered + chunk.toString()).split('\n');
    buffered = lines.pop() as string;
    for (const line of lines) {
      if (line === 'started') markStarted();
      else if (line) confirmed.push(line);
    }
  });
  return { process: child, confirmed, started };
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await realPause(5);
  }
}

/**
 * Fault 5: the agent is killed with SIGKILL at random moments while it streams readings with a backlog on
 * disk, and restarted on the same state directory each time. Sink: a fast local acking WebSocket server.
 * Counted by reading key (`run:i`) at the sink.
 */
describe('scenario 5: the agent is killed with kill -9 during a stream with a backlog on disk', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('loses no reading it confirmed as queued, across every kill and restart', async () => {
    const kills = FULL ? 20 : 3;
    const seed = Number(process.env.FAULT_SEED ?? 20261201);
    const random = seededRandom(seed);
    const { dir, remove } = await tempDir('kill9');
    cleanups.push(remove);
    const sink: ScriptServer = await startScriptServer();
    cleanups.push(() => sink.close());
    const keys = () =>
      sink.received
        .filter((r) => 'topic' in r.frame)
        .map((r) => {
          const message = r.frame.message as { run: number; i: number };
          return `${message.run}:${message.i}`;
        });
    const confirmed: string[] = [];
    const backlogs: number[] = [];
    for (let run = 0; run < kills; run++) {
      const child = startChild(dir, sink.url, run, 1_000_000);
      cleanups.push(() => void child.process.kill('SIGKILL'));
      await child.started;
      // A random moment: after 100 to 1,000 more readings were confirmed in this run.
      const target = 100 + Math.floor(random() * 900);
      await waitFor(() => child.confirmed.length >= target, `run ${run} to confirm ${target} readings`);
      const exited = new Promise((resolve) => child.process.once('exit', resolve));
      child.process.kill('SIGKILL');
      await exited;
      confirmed.push(...child.confirmed);
      backlogs.push(new Set(confirmed).size - new Set(keys()).size);
    }
    const drainStartedAt = Date.now();
    const drainer = startChild(dir, sink.url, kills, 0);
    cleanups.push(() => void drainer.process.kill('SIGKILL'));
    await drainer.started;
    const wanted = new Set(confirmed);
    await waitFor(() => {
      const seen = new Set(keys());
      for (const key of wanted) if (!seen.has(key)) return false;
      return true;
    }, 'every confirmed reading at the sink');
    const recoveryMs = Date.now() - drainStartedAt;
    const counts = tally(confirmed, keys());
    printReport({
      scenario: `kill -9 x${kills}`,
      ...counts,
      lost: counts.lost.length,
      recoveryMs,
      seed,
      backlogAtEachKill: backlogs,
    });
    expect(counts.lost).toEqual([]);
    expect(counts.sent).toBe(confirmed.length);
    // The premise: readings were waiting on disk when the agent died (the backlog grows from kill to kill, as
    // the agents confirm readings faster than they may send them; the first kill may come before it builds).
    expect(Math.max(...backlogs)).toBeGreaterThan(0);
  }, 600_000);
});

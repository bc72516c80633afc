import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskQueue } from '../../../src/queue/disk-queue.js';
import { tempDir } from '../../support/temp-dir.js';
import { indexOf } from './queue-behaviour.js';

const SUPPORT = path.resolve(import.meta.dirname, '../../support');

function runTs(script: string, args: string[], nodeFlags: string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeFlags, '--import', 'tsx', path.join(SUPPORT, script), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

describe('DiskQueue under a crash and a large backlog', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('loses nothing it acknowledged as queued when its process is killed with SIGKILL', async () => {
    const { dir, remove } = await tempDir('crash');
    cleanups.push(remove);
    const child = runTs('queue-writer.ts', [dir]);
    cleanups.push(() => void child.kill('SIGKILL'));
    const confirmed: number[] = [];
    let buffered = '';
    await new Promise<void>((resolve) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        const lines = (buffered + chunk.toString()).split('\n');
        buffered = lines.pop() as string;
        confirmed.push(...lines.map(Number));
        if (confirmed.length >= 2000 && child.exitCode === null) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await new Promise((resolve) => child.once('exit', resolve));
    const queue = await DiskQueue.open({
      dir,
      maxBytes: 64 * 1024 * 1024,
      segmentBytes: 64 * 1024,
      fsyncIntervalMs: 5,
    });
    cleanups.push(() => queue.close());
    const stored = new Set((await queue.read(0, 1_000_000)).map((r) => indexOf(r.data)));
    const missing = confirmed.filter((index) => !stored.has(index));
    expect(confirmed.length).toBeGreaterThanOrEqual(2000);
    expect(missing).toEqual([]);
    // Positions are dense and in append order: the queue holds exactly 0..n-1 for some n >= what was confirmed.
    expect([...stored]).toEqual(Array.from({ length: stored.size }, (_, i) => i));
  });

  it('keeps payloads on disk, not in memory: a 40 MB backlog grows the heap by a few MB at most', async () => {
    const { dir, remove } = await tempDir('memory');
    cleanups.push(remove);
    const child = runTs('queue-memory-probe.ts', [dir, '40000', '1000'], ['--expose-gc']);
    cleanups.push(() => void child.kill('SIGKILL'));
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    const result = JSON.parse(output) as { heapGrowth: number; depth: number; firstPosition: number };
    expect(result.depth).toBe(40_000);
    expect(result.firstPosition).toBe(0);
    expect(result.heapGrowth).toBeLessThan(4 * 1024 * 1024);
  }, 60_000);
});

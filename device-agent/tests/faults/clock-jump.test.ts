import { afterEach, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/agent.js';
import { silentLogger } from '../../src/log.js';
import { agentConfig } from '../support/agent-harness.js';
import { type ScriptServer, startScriptServer, until } from '../support/script-server.js';
import { tempDir } from '../support/temp-dir.js';
import { FULL, printReport, tally } from './support/tally.js';

const HOUR_MS = 3_600_000;

/**
 * Fault 8: the gateway's clock jumps back an hour in the middle of a stream. Delivery uses the default pace
 * (100 frames/s) so the pacer and the ack timeouts run on the stepped clock. Sink: a fast local acking
 * WebSocket server on port 0.
 */
describe('scenario 8: the gateway clock jumps back an hour', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('keeps seq order, flags the stepped-back timestamps, and keeps sending at its pace', async () => {
    const perSide = FULL ? 500 : 60;
    const { dir, remove } = await tempDir('clock-jump');
    cleanups.push(remove);
    const sink: ScriptServer = await startScriptServer();
    cleanups.push(() => sink.close());
    // The wall clock as the agent sees it: real time plus an offset that the test steps back.
    let offset = Date.UTC(2026, 11, 1, 9) - Date.now();
    const config = await agentConfig({
      'bridge-url': sink.url,
      'state-dir': dir,
      'device-id': 'jump',
      'queue-fsync-interval-ms': '5',
      'delivery-window': '4',
    });
    const agent = createAgent({
      config,
      inputs: [],
      logger: silentLogger(),
      now: () => Date.now() + offset,
      clockSynced: () => true,
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    const sent: string[] = [];
    const emitSide = async (side: string) => {
      for (let i = 0; i < perSide; i++) {
        const result = await agent.emit({ topic: 'jump/t', message: { key: `${side}${i}` } });
        if (result.accepted) sent.push(`${side}${i}`);
      }
    };
    await emitSide('before');
    const received = () => sink.received.filter((r) => 'topic' in r.frame).map((r) => r.frame);
    await until(() => received().length >= perSide / 2, 'half of the first readings delivered');
    offset -= HOUR_MS;
    const jumpedAt = Date.now();
    await emitSide('after');
    await until(() => agent.snapshot().queue.depth === 0, 'everything delivered after the jump', 2_000_000);
    const recoveryMs = Date.now() - jumpedAt;

    const frames = received();
    const byKey = frames.map((f) => (f.message as { key: string }).key);
    const counts = tally(sent, byKey);
    const distinct = new Map(frames.map((f) => [f.id as string, f]));
    const seqs = [...distinct.values()].map((f) => f.seq as number);
    expect(counts.lost).toEqual([]);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const flagged = [...distinct.values()].filter((f) => f.clock === 'behind');
    expect(flagged.map((f) => (f.message as { key: string }).key)).toEqual(
      Array.from({ length: perSide }, (_, i) => `after${i}`),
    );
    const firstAfter = [...distinct.values()].find((f) => (f.message as { key: string }).key === 'after0');
    const lastBefore = [...distinct.values()].find(
      (f) => (f.message as { key: string }).key === `before${perSide - 1}`,
    );
    expect((firstAfter?.ts as number) < (lastBefore?.ts as number)).toBe(true);
    printReport({
      scenario: 'clock jumps back 1 h',
      ...counts,
      lost: counts.lost.length,
      recoveryMs,
      flagged: flagged.length,
    });
  });
});

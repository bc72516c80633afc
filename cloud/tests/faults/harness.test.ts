import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectionsServer, startConnectionsServer } from '../store/support/connections-server.js';
import { seededRandom } from '../support/seeded-random.js';
import { type FaultProxy, startFaultProxy } from './support/fault-proxy.js';
import { FrameLedger, FULL_SUITE } from './support/ledger.js';

// The fault suite's own instruments, checked before they are trusted with figures.

describe('FrameLedger', () => {
  it('counts delivered, lost, duplicated and unexpected arrivals by (frame, subscriber)', () => {
    const ledger = new FrameLedger('check');
    ledger.receive('a', 'f1'); // before its expect: acks come after the fan-out
    ledger.expect('f1', ['a', 'b']);
    ledger.expect('f2', ['a']);
    ledger.receive('a', 'f2');
    ledger.receive('a', 'f2');
    ledger.receive('c', 'f2');
    ledger.receive('a', 'stray');
    expect(ledger.report(12, { x: 1 })).toEqual({
      scenario: 'check',
      form: FULL_SUITE ? 'full' : 'short',
      sent: 2,
      expected: 3,
      delivered: 2,
      lost: 1,
      duplicated: 1,
      unexpected: 2,
      recoveryMs: 12,
      details: { x: 1 },
    });
  });
});

describe('the fault proxy', () => {
  let server: ConnectionsServer;
  let proxy: FaultProxy;

  beforeAll(async () => {
    server = await startConnectionsServer();
    proxy = await startFaultProxy(server.endpoint, 1, { resetFraction: 0, errorFraction: 0 });
  });

  afterAll(async () => {
    await proxy?.stop();
    await server?.stop();
  });

  const post = (id: string) =>
    fetch(`${proxy.url}/@connections/${id}`, { method: 'POST', body: `frame ${id}` }).then(
      (response) => response.status,
      () => 'reset' as const,
    );

  it('forwards posts unchanged without faults, answers 500 or resets as told, and counts what it did', async () => {
    expect(await post('plain')).toBe(200);
    expect(server.deliveredTo('plain')).toEqual(['frame plain']);
    proxy.setFaults({ resetFraction: 0, errorFraction: 1 });
    expect(await post('refused')).toBe(500);
    expect(server.deliveredTo('refused')).toEqual([]);
    proxy.setFaults({ resetFraction: 1, errorFraction: 0 });
    const outcomes = [];
    for (let i = 0; i < 20; i++) outcomes.push(await post(`reset-${i}`));
    expect(outcomes).toEqual(Array(20).fill('reset'));
    const { stats } = proxy;
    expect(stats.resetBeforeForwarding + stats.resetAfterForwarding).toBe(20);
    // A reset after forwarding reached the server: the post arrived although its caller saw a reset.
    expect(server.posts.filter((p) => p.connectionId.startsWith('reset-'))).toHaveLength(
      stats.resetAfterForwarding,
    );
    expect(stats.resetAfterForwarding).toBeGreaterThan(0);
    expect(stats.resetBeforeForwarding).toBeGreaterThan(0);
    expect({ requests: stats.requests, answered500: stats.answered500 }).toEqual({
      requests: 22,
      answered500: 1,
    });
  });

  it('draws the same faults from the same seed', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const draws = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(draws);
    expect(new Set(draws).size).toBe(5);
  });
});

import { MAX_FILTERS_PER_CONNECTION } from '@topic-bridge/shared-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TableAccess, tableAccess } from '../e2e/support/table.js';
import { seededRandom } from '../support/seeded-random.js';
import { FrameLedger, publishReport, sized } from './support/ledger.js';
import { inWindows, openPublisher, openSubscriber, type Subscriber, waitUntil } from './support/peers.js';
import {
  type ProxiedStack,
  retriesIn,
  STACK_START_TIMEOUT_MS,
  startProxiedStack,
} from './support/stack-with-proxy.js';

// Scenarios 1, 2, 7 and 9 of the fault suite (docs/RELIABILITY.md), on one local stack whose handlers post
// to `@connections` through a seeded fault-injecting proxy. Short forms here run in `npm test`; the full
// forms (FAULT_SUITE=full) in `npm run test:faults`.

const SEED = 1;
const SCENARIO_TIMEOUT_MS = 240_000;
// After the last ack, how long duplicates and strays get to arrive before the figures are taken.
const SETTLE_MS = 500;

let bridge: ProxiedStack;
let table: TableAccess;
const opened: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  bridge = await startProxiedStack(SEED);
  table = tableAccess(bridge.stack);
}, STACK_START_TIMEOUT_MS);

afterAll(async () => {
  for (const peer of opened.splice(0)) await peer.close().catch(() => undefined);
  table?.close();
  await bridge?.stop();
});

async function subscribers(ledger: FrameLedger, names: string[], topics: string[]): Promise<Subscriber[]> {
  const peers = await Promise.all(
    names.map((name) => openSubscriber(bridge.stack.wsUrl, name, ledger, topics)),
  );
  opened.push(...peers);
  return peers;
}

async function publisher() {
  const peer = await openPublisher(bridge.stack.wsUrl, seededRandom(SEED));
  opened.push(peer);
  return peer;
}

describe('fault suite: the post path and the store', () => {
  it(
    'scenario 1: with 5% of posts reset and 5% answered 500, nothing is lost',
    async () => {
      const ledger = new FrameLedger('1-post-faults');
      const names = ['s1-a', 's1-b', 's1-c'];
      await subscribers(ledger, names, ['faults/one']);
      const sender = await publisher();
      const linesBefore = bridge.publishLines.length;
      const statsBefore = { ...bridge.proxy.stats };
      bridge.proxy.setFaults({ resetFraction: 0.05, errorFraction: 0.05 });
      const ids = Array.from({ length: sized(40, 400) }, (_, i) => `one-${i}`);
      const outcomes = await inWindows(ids, 8, async (id) => {
        const outcome = await sender.publish('faults/one', id, { n: id });
        ledger.expect(id, names);
        return outcome;
      });
      bridge.proxy.setFaults({ resetFraction: 0, errorFraction: 0 });
      await waitUntil(() => ledger.deliveredPairs() === ledger.expectedPairs(), 5_000);
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const stats = bridge.proxy.stats;
      const faults = {
        requests: stats.requests - statsBefore.requests,
        resetBeforeForwarding: stats.resetBeforeForwarding - statsBefore.resetBeforeForwarding,
        resetAfterForwarding: stats.resetAfterForwarding - statsBefore.resetAfterForwarding,
        answered500: stats.answered500 - statsBefore.answered500,
      };
      const logged = retriesIn(bridge.publishLines.slice(linesBefore));
      const report = ledger.report(null, {
        seed: SEED,
        postsThroughProxy: faults.requests,
        faults,
        handlerRetries: logged.retries,
        handlerRetried: logged.retried,
        handlerLostPosts: logged.lostPosts,
        publisherResends: outcomes.reduce((sum, outcome) => sum + outcome.attempts - 1, 0),
      });
      await publishReport(report);
      expect(faults.resetBeforeForwarding + faults.resetAfterForwarding + faults.answered500).toBeGreaterThan(
        0,
      );
      expect(report).toMatchObject({ sent: ids.length, lost: 0, unexpected: 0 });
      expect(logged.lostPosts).toBe(0);
      expect(outcomes.filter((outcome) => outcome.delivered < names.length)).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'scenario 2: while the store answers 503 publishers get store_unavailable, and once it is back nothing is lost',
    async () => {
      const ledger = new FrameLedger('2-store-outage');
      const names = ['s2-a', 's2-b'];
      await subscribers(ledger, names, ['faults/two']);
      const sender = await publisher();
      const total = sized(30, 200);
      const outageMs = sized(1_500, 5_000);
      let backAt: number | undefined;
      let firstAckAfterBack: number | undefined;
      let outageStarted = false;
      const ids = Array.from({ length: total }, (_, i) => `two-${i}`);
      const outcomes = await inWindows(ids, 4, async (id) => {
        const outcome = await sender.publish('faults/two', id, { n: id });
        const ackedAt = Date.now();
        ledger.expect(id, names);
        if (backAt !== undefined && ackedAt >= backAt && firstAckAfterBack === undefined)
          firstAckAfterBack = ackedAt;
        if (!outageStarted && ledger.report().sent >= total / 3) {
          outageStarted = true;
          bridge.stack.setStoreAvailable(false);
          setTimeout(() => {
            bridge.stack.setStoreAvailable(true);
            backAt = Date.now();
          }, outageMs);
        }
        // Pace the publishes so that the outage falls in the middle of the stream.
        await new Promise((resolve) => setTimeout(resolve, sized(50, 40)));
        return outcome;
      });
      await waitUntil(() => backAt !== undefined, outageMs + 1_000);
      await waitUntil(() => ledger.deliveredPairs() === ledger.expectedPairs(), 5_000);
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const errors = outcomes.flatMap((outcome) => outcome.errors);
      const count = (code: string) => errors.filter((error) => error === code).length;
      const report = ledger.report(
        firstAckAfterBack !== undefined && backAt !== undefined ? firstAckAfterBack - backAt : null,
        {
          outageMs,
          storeUnavailableReplies: count('store_unavailable'),
          otherErrors: errors.filter((error) => error !== 'store_unavailable'),
          publisherResends: outcomes.reduce((sum, outcome) => sum + outcome.attempts - 1, 0),
          slowestReplyMs: Math.max(...outcomes.flatMap((outcome) => outcome.replyMs)),
        },
      );
      await publishReport(report);
      expect(count('store_unavailable')).toBeGreaterThan(0);
      // Every frame was answered (no handler hung past the reply timeout): no `no_reply` among the errors.
      expect(report.details.otherErrors).toEqual([]);
      expect(report).toMatchObject({ sent: total, lost: 0, unexpected: 0 });
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'scenario 7: a subscriber gone without a close loses its rows at the next publish (410); expired rows are skipped',
    async () => {
      const ledger = new FrameLedger('7-vanished-subscriber');
      await subscribers(ledger, ['s7-live'], ['faults/seven']);
      const now = Date.now();
      const expiresAt = Math.floor(now / 1000) + 3_600;
      // Rows of connections whose `$disconnect` never came, as API Gateway allows: one live in TTL, one expired
      // (exact filters: in the exact index through `exactUntil`, docs/DATA-MODEL.md).
      await table.put({
        connectionId: 'ghost7',
        topicFilter: 'faults/seven',
        exactUntil: expiresAt,
        expiresAt,
        connectedAt: now,
      });
      await table.put({
        connectionId: 'ghost7',
        topicFilter: '$connection',
        heldFilters: new Set(['faults/seven']),
        expiresAt,
        connectedAt: now,
      });
      await table.put({
        connectionId: 'expired7',
        topicFilter: 'faults/seven',
        exactUntil: Math.floor(now / 1000) - 1,
        expiresAt: Math.floor(now / 1000) - 1,
        connectedAt: now - 8_000_000,
      });
      const sender = await publisher();
      const posts = bridge.proxy.stats.requests;
      const outcome = await sender.publish('faults/seven', 'seven-1', { n: 1 });
      ledger.expect('seven-1', ['s7-live']);
      const ghostItems = (await table.items()).filter((item) => item.connectionId === 'ghost7');
      const expiredRows = await table.rowsOf('expired7');
      await waitUntil(() => ledger.deliveredPairs() === 1, 5_000);
      const report = ledger.report(null, {
        ackDelivered: outcome.delivered,
        postsMade: bridge.proxy.stats.requests - posts,
        ghostItemsLeft: ghostItems.length,
        expiredRowsLeft: expiredRows.length,
      });
      await publishReport(report);
      // Posts: the live subscriber, the ghost (410), and the ack to the sender; none to the expired row.
      expect(report.details).toEqual({
        ackDelivered: 1,
        postsMade: 3,
        ghostItemsLeft: 0,
        expiredRowsLeft: 1,
      });
      expect(report).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0 });
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    `scenario 9: 40 concurrent subscribes on one connection give exactly ${MAX_FILTERS_PER_CONNECTION} confirmations, and delivery matches them`,
    async () => {
      const ledger = new FrameLedger('9-concurrent-subscribes');
      const rounds = sized(1, 3);
      const tallies: Array<{ subscribed: number; refused: number; connectTime: number }> = [];
      const sender = await publisher();
      for (let round = 0; round < rounds; round++) {
        // Round r: a connection opened with 10·r connect-time filters, then 40 runtime subscribes at once.
        const connectTime = Array.from({ length: 10 * round }, (_, i) => `nine/${round}/boot/${i}`);
        const name = `s9-${round}`;
        const [peer] = await subscribers(ledger, [name], connectTime);
        if (peer === undefined) throw new Error('no subscriber');
        const topics = Array.from({ length: 40 }, (_, i) => `nine/${round}/run/${i}`);
        for (const [i, topic] of topics.entries()) peer.send({ action: 'subscribe', topic, id: `sub-${i}` });
        const replies = await peer.replies(40);
        const confirmed = new Set(
          replies.filter((reply) => reply.type === 'subscribed').map((reply) => String(reply.topic)),
        );
        const refused = replies.filter((reply) => reply.code === 'too_many_subscriptions').length;
        tallies.push({ subscribed: confirmed.size, refused, connectTime: connectTime.length });
        for (const topic of [...connectTime, ...topics]) {
          const id = `${topic}#frame`;
          await sender.publish(topic, id, { topic });
          ledger.expect(id, connectTime.includes(topic) || confirmed.has(topic) ? [name] : []);
        }
        expect({ subscribed: confirmed.size, refused }).toEqual({
          subscribed: MAX_FILTERS_PER_CONNECTION - connectTime.length,
          refused: 40 - (MAX_FILTERS_PER_CONNECTION - connectTime.length),
        });
      }
      await waitUntil(() => ledger.deliveredPairs() === ledger.expectedPairs(), 5_000);
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const report = ledger.report(null, { rounds: tallies });
      await publishReport(report);
      expect(report).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0 });
    },
    SCENARIO_TIMEOUT_MS,
  );
});

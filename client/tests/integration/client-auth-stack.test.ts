import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signToken } from '../../../cloud/local/dev-auth.js';
import { type LocalStack, startLocalStack } from '../../../cloud/local/stack.js';
import { createAgent } from '../../../device-agent/src/agent.js';
import { silentLogger } from '../../../device-agent/src/log.js';
import { agentConfig } from '../../../device-agent/tests/support/agent-harness.js';
import { tempDir } from '../../../device-agent/tests/support/temp-dir.js';
import type { ConnectOptions, TopicBridgeClient, Unauthorized } from '../../src/index.js';
import { ManualTimers } from '../support/manual-timers.js';
import { type RecordedClient, recordingClient } from '../support/recording-client.js';
import { settle, waitFor } from '../support/wait-for.js';

const SECRET = randomBytes(32).toString('hex');

let stack: LocalStack;
const cleanups: (() => Promise<void> | void)[] = [];

function token(grants: { publish: string[]; subscribe: string[] }, secret = SECRET, expiresInSeconds = 3600) {
  return signToken({ sub: 'keeper-test', expiresInSeconds, ...grants }, secret);
}

function client(options: Partial<ConnectOptions>): { recorded: RecordedClient; refusals: Unauthorized[] } {
  const recorded = recordingClient({ url: stack.wsUrl, ...options });
  const refusals: Unauthorized[] = [];
  recorded.client.on('unauthorized', (event) => refusals.push(event));
  cleanups.push(() => recorded.client.close());
  return { recorded, refusals };
}

const isOpen = (c: TopicBridgeClient) => () => c.state === 'open';

beforeAll(async () => {
  stack = await startLocalStack({ auth: { secret: SECRET } });
}, 60_000);

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

afterAll(async () => {
  await stack?.stop();
});

describe('client and agent against the real local stack with auth on (the real authorizer)', () => {
  it('connects with the token as subprotocols (default) and as ?token=, and publishes within its grants', async () => {
    const grants = { publish: ['auth/#'], subscribe: ['auth/#'] };
    const viaProtocol = client({ topics: ['auth/a/+'], token: await token(grants) });
    const viaQuery = client({ token: await token(grants), tokenTransport: 'query' });
    await waitFor(isOpen(viaProtocol.recorded.client), 'the subprotocol client to open');
    await waitFor(isOpen(viaQuery.recorded.client), 'the query client to open');
    expect(viaProtocol.recorded.sockets[0]?.protocol).toBe('topic-bridge.v1');
    expect(await viaQuery.recorded.client.publish('auth/a/1', { ok: true })).toMatchObject({ delivered: 1 });
    await waitFor(() => viaProtocol.recorded.messages.length === 1, 'the delivery');
  });

  it('a forged token is final: one unauthorized event with 401, and no reconnect loop', async () => {
    const forged = await token({ publish: ['#'], subscribe: ['#'] }, randomBytes(32).toString('hex'));
    const { recorded, refusals } = client({ topics: ['auth/#'], token: forged });
    await waitFor(() => recorded.client.state === 'unauthorized', 'the unauthorized state');
    expect(refusals).toEqual([{ reason: 'the bridge refused the connection (HTTP 401)', status: 401 }]);
    recorded.timers.advance(10 * 60_000);
    await settle(300);
    expect(recorded.sockets).toHaveLength(1);
    expect(recorded.states.map((s) => s.state)).toEqual(['unauthorized']);
  });

  it('a connect-time filter outside the grants is final too (403)', async () => {
    const narrow = await token({ publish: [], subscribe: ['auth/mine/#'] });
    const { recorded, refusals } = client({ topics: ['auth/#'], token: narrow });
    await waitFor(() => recorded.client.state === 'unauthorized', 'the unauthorized state');
    expect(refusals).toEqual([{ reason: 'the bridge refused the connection (HTTP 403)', status: 403 }]);
  });

  it('a refused agent keeps its readings and delivers them all once its token file holds a valid token', async () => {
    const { dir, remove } = await tempDir('auth-agent');
    cleanups.push(remove);
    const tokenFile = path.join(dir, 'token');
    await writeFile(
      tokenFile,
      await token({ publish: ['#'], subscribe: [] }, randomBytes(32).toString('hex')),
    );
    const watcher = client({
      topics: ['auth/agent/#'],
      token: await token({ publish: [], subscribe: ['#'] }),
    });
    await waitFor(isOpen(watcher.recorded.client), 'the watching client to open');
    const config = await agentConfig({
      'bridge-url': stack.wsUrl,
      'bridge-token-file': tokenFile,
      'state-dir': dir,
      'device-id': 'auth-agent',
      'queue-kind': 'memory',
    });
    const linkTimers = new ManualTimers();
    const agent = createAgent({
      config,
      inputs: [],
      logger: silentLogger(),
      WebSocket,
      clockSynced: () => true,
      linkTimers,
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    for (let n = 0; n < 5; n++) await agent.emit({ topic: 'auth/agent/t', message: { n } });
    await waitFor(() => agent.snapshot().linkState === 'disconnected', 'the refusal');
    expect(agent.snapshot().queue.depth).toBe(5);
    await writeFile(tokenFile, await token({ publish: ['auth/agent/#'], subscribe: [] }));
    linkTimers.advance(60_000);
    await waitFor(() => agent.snapshot().queue.depth === 0, 'the backlog to drain', 20_000);
    await waitFor(() => watcher.recorded.messages.length === 5, 'five deliveries');
    // Frames in flight together may be fanned out in another order; each arrives exactly once.
    const delivered = watcher.recorded.messages.map((m) => (m.message as { n: number }).n);
    expect(delivered.sort()).toEqual([0, 1, 2, 3, 4]);
  }, 60_000);
});

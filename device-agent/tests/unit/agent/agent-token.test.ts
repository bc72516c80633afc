import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ManualTimers } from '../../../../client/tests/support/manual-timers.js';
import { type Agent, createAgent } from '../../../src/agent.js';
import { UNAUTHORIZED_RETRY_MS } from '../../../src/link/ws-link.js';
import { agentConfig, capturedLogger, scriptedBridgeAndDir } from '../../support/agent-harness.js';
import { realPause, type ScriptServer, until } from '../../support/script-server.js';

const NOT_AUTHORIZED = /^not authorized by the bridge: /;

describe('agent tokens (a real ws server that checks the bearer subprotocol)', () => {
  let server: ScriptServer;
  let agent: Agent | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function start(flags: Record<string, string>) {
    const bed = await scriptedBridgeAndDir(cleanups, 'agent-token');
    server = bed.server;
    const { dir } = bed;
    const tokenFile = path.join(dir, 'token');
    const config = await agentConfig({
      'bridge-url': server.url,
      'state-dir': dir,
      'device-id': 'unit',
      'queue-kind': 'memory',
      ...flags,
      ...(flags['bridge-token'] ? {} : { 'bridge-token-file': tokenFile }),
    });
    const { logger, logs } = capturedLogger('debug');
    const timers = new ManualTimers();
    agent = createAgent({
      config,
      inputs: [],
      logger,
      WebSocket,
      clockSynced: () => true,
      linkTimers: timers,
    });
    return { logs, timers, tokenFile, agent };
  }

  const bearers = () => server.handshakes.map((h) => h.protocols.find((p) => p.startsWith('bearer.')));
  const published = () => server.received.filter((r) => 'topic' in r.frame).map((r) => r.frame.message);

  it('after a 401, logs one clear line, keeps the queue, retries every 60 s re-reading the token file, and delivers everything once fixed', async () => {
    const { logs, timers, tokenFile, agent } = await start({});
    await writeFile(tokenFile, 'stale.token.v1\n');
    server.behaviour.refuse = (h) => (h.protocols.includes('bearer.fresh.token.v2') ? undefined : 401);
    await agent.start();
    for (let n = 0; n < 3; n++)
      expect(await agent.emit({ topic: 'a/b', message: { n } })).toEqual({ accepted: true });
    await until(() => logs.some((l) => NOT_AUTHORIZED.test(l.msg)), 'the refusal line');

    timers.advance(UNAUTHORIZED_RETRY_MS - 1);
    await realPause(100);
    expect(server.handshakes).toHaveLength(1);
    timers.advance(1);
    await until(
      () => server.handshakes.length === 2 && agent.snapshot().linkState === 'disconnected',
      'the second try',
    );
    expect(agent.snapshot().queue.depth).toBe(3);

    await writeFile(tokenFile, 'fresh.token.v2\n');
    timers.advance(UNAUTHORIZED_RETRY_MS);
    await until(() => agent.snapshot().queue.depth === 0, 'the backlog to drain');
    expect(bearers()).toEqual(['bearer.stale.token.v1', 'bearer.stale.token.v1', 'bearer.fresh.token.v2']);
    expect(published()).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
    const refusals = logs.filter((l) => NOT_AUTHORIZED.test(l.msg));
    expect(refusals.map((l) => [l.level, l.status])).toEqual([
      [50, 401],
      [20, 401],
    ]);
    expect(refusals[0]?.msg).toBe(
      'not authorized by the bridge: the bridge refused the connection (HTTP 401). Readings stay queued; fix bridge.token or bridge.tokenFile (or the clock) and the agent resumes by itself (next try in 60 s)',
    );
    expect(JSON.stringify(logs)).not.toContain('token.v');
  });

  it('treats a 503 as temporary (jittered backoff, not the slow retry) and sends bridge.token as given', async () => {
    const { timers, agent } = await start({ 'bridge-token': 'given.token.v1' });
    let refusals = 2;
    server.behaviour.refuse = () => (refusals-- > 0 ? 503 : undefined);
    await agent.start();
    await until(
      () => server.handshakes.length === 1 && agent.snapshot().linkState === 'disconnected',
      'first failure',
    );
    timers.advance(500);
    await until(
      () => server.handshakes.length === 2 && agent.snapshot().linkState === 'disconnected',
      'second failure',
    );
    timers.advance(1000);
    await until(() => agent.snapshot().linkState === 'connected', 'connected');
    expect(bearers()).toEqual(['bearer.given.token.v1', 'bearer.given.token.v1', 'bearer.given.token.v1']);
  });
});

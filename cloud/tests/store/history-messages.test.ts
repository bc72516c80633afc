import { FULL_ACCESS } from '@topic-bridge/shared-types';
import { beforeEach, describe, expect, it } from 'vitest';
import { createHistoryStore } from '../../src/aws/history-store.js';
import { ensureHistoryTable } from '../../src/aws/history-table.js';
import { handleMessage } from '../../src/core/handle-message.js';
import type { MessageDeps } from '../../src/core/message-context.js';
import { freshTable, recordingLogger, storeFor, TEST_FAN_OUT } from './support/fixture.js';
import { useLocalStore } from './support/use-local-store.js';

// handleMessage with a real history store on dynalite and the recording `@connections` server.
const local = useLocalStore({ connections: true });

let histories = 0;

describe('handleMessage with history', () => {
  let deps: MessageDeps;
  const send = (connectionId: string, body: string) =>
    handleMessage({ connectionId, body, connectedAtMs: Date.now(), grants: FULL_ACCESS }, deps);

  const withHistoryTable = (tableName: string, logger = recordingLogger()): MessageDeps['history'] => ({
    store: createHistoryStore(local.clients.lean, {
      config: { tableName, maxFrames: 10, maxAgeSeconds: 60 },
      logger,
    }),
    config: { filters: ['chat/#'] },
  });

  beforeEach(async () => {
    const store = storeFor(local.clients, await freshTable(local.clients), 'query');
    const historyTable = `History-${++histories}`;
    await ensureHistoryTable(local.clients.lean, historyTable);
    deps = {
      store,
      gateway: local.gateway,
      logger: recordingLogger(),
      config: { fanOut: TEST_FAN_OUT },
      history: withHistoryTable(historyTable),
    };
    await store.addConnection('listener', ['chat/room'], Date.now());
  });

  it('records a publish and answers a history request with the frames, then the summary', async () => {
    const frame = '{"topic":"chat/room","message":1,"id":"m1"}';
    await send('sender', frame);
    await send('listener', '{"action":"history","topic":"chat/#","id":"h"}');
    expect(local.server.deliveredTo('listener')).toEqual([
      frame,
      '{"topic":"chat/room","message":1,"id":"m1","replay":"history"}',
      '{"type":"history","topic":"chat/#","id":"h","count":1,"more":false}',
    ]);
  });

  it('fails a publish whose history write fails with store_unavailable, and delivers it to nobody', async () => {
    // A history table that does not exist: a real DynamoDB failure (ResourceNotFoundException).
    deps = { ...deps, history: withHistoryTable('NoSuchHistoryTable') };
    await send('sender', '{"topic":"chat/room","message":1,"id":"m1"}');
    expect(local.server.deliveredTo('listener')).toEqual([]);
    expect(local.server.deliveredTo('sender').map((body) => JSON.parse(body))).toEqual([
      { type: 'error', code: 'store_unavailable', reason: expect.any(String), id: 'm1' },
    ]);
    // A topic without history does not touch the history store at all.
    await send('sender', '{"topic":"other","message":2,"id":"m2"}');
    expect(JSON.parse(local.server.deliveredTo('sender')[1] ?? '{}')).toMatchObject({
      type: 'ack',
      id: 'm2',
    });
  });

  it('answers history_not_enabled when the bridge keeps no history at all', async () => {
    const { history: _off, ...withoutHistory } = deps;
    deps = withoutHistory;
    await send('listener', '{"action":"history","topic":"chat/#"}');
    expect(local.server.deliveredTo('listener').map((body) => JSON.parse(body))).toEqual([
      { type: 'error', code: 'history_not_enabled', reason: expect.any(String) },
    ]);
  });
});

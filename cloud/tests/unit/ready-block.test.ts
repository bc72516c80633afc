import { describe, expect, it } from 'vitest';
import { formatReadyBlock, readyBlock, readyLines } from '../../local/ready-block.js';

describe('formatReadyBlock', () => {
  it('aligns the values of the labelled lines under the heading, notes after', () => {
    expect(
      formatReadyBlock({
        heading: 'topic-bridge ready on ws://127.0.0.1:3001',
        lines: [
          { label: 'bridge', value: 'ws://127.0.0.1:3001' },
          { label: 'dashboard', value: 'http://127.0.0.1:8080/' },
          { label: 'token', value: 'token=abc' },
        ],
        notes: ['From now on: summaries.'],
      }),
    ).toEqual([
      'topic-bridge ready on ws://127.0.0.1:3001',
      '  bridge     ws://127.0.0.1:3001',
      '  dashboard  http://127.0.0.1:8080/',
      '  token      token=abc',
      'From now on: summaries.',
    ]);
  });
});

describe('readyBlock', () => {
  const stack = {
    wsUrl: 'ws://127.0.0.1:3001',
    publishUrl: 'http://127.0.0.1:3002/publish',
    onMessage: 'query' as const,
  };
  const settings = { dataDir: undefined, demo: true, logLevel: 'info' as const, summarySeconds: 60 };

  it('says what runs, where to connect and look, a frame to try, how to stop, and what comes next', () => {
    expect(readyBlock(stack, settings, readyLines(stack, 'http://127.0.0.1:8080/'))).toEqual([
      'topic-bridge ready on ws://127.0.0.1:3001 (onMessage=query, DynamoDB in memory, simulated sensors publishing under demo/)',
      '  bridge        ws://127.0.0.1:3001',
      '  dashboard     http://127.0.0.1:8080/',
      '  try it        connect any WebSocket client to ws://127.0.0.1:3001?topicName=demo and send {"topic":"demo","message":"hello","id":"1"}',
      `  http publish  curl -sS http://127.0.0.1:3002/publish -H 'Content-Type: application/json' -d '{"topic":"demo","message":"hello over HTTP","id":"2"}'`,
      '  stop          Ctrl-C',
      'From now on: a summary every 60 s and every warning or error as it happens (TOPIC_BRIDGE_LOG_LEVEL=debug shows every publish).',
    ]);
  });

  it('with auth on: the token, and a dashboard and a try-it URL that carry it', () => {
    const auth = { mode: 'on' as const, secret: 's', token: 'a.b.c', notices: [] };
    expect(
      readyLines(stack, 'http://127.0.0.1:8080/', auth).map(({ label, value }) => `${label}: ${value}`),
    ).toEqual([
      'bridge: ws://127.0.0.1:3001',
      'token: a.b.c',
      'dashboard: http://127.0.0.1:8080/?token=a.b.c',
      'try it: connect any WebSocket client to ws://127.0.0.1:3001/?topicName=demo&token=a.b.c and send {"topic":"demo","message":"hello","id":"1"}',
      `http publish: curl -sS http://127.0.0.1:3002/publish -H 'Authorization: Bearer a.b.c' -H 'Content-Type: application/json' -d '{"topic":"demo","message":"hello over HTTP","id":"2"}'`,
      'stop: Ctrl-C',
    ]);
  });

  it('takes lines the caller adds, and tells what debug shows', () => {
    const lines = [...readyLines(stack, 'http://127.0.0.1:8080/'), { label: 'token', value: 'token=abc' }];
    const block = readyBlock(stack, { ...settings, dataDir: '/data', demo: false, logLevel: 'debug' }, lines);
    expect(block[0]).toBe(
      'topic-bridge ready on ws://127.0.0.1:3001 (onMessage=query, DynamoDB data in /data)',
    );
    expect(block.slice(6)).toEqual([
      '  token         token=abc',
      'From now on: every handler log line (TOPIC_BRIDGE_LOG_LEVEL=debug) and a summary every 60 s.',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  ClientConfigError,
  type ConnectOptions,
  connect,
  DEFAULT_RENEW_AFTER_MS,
  MAX_INITIAL_HISTORY,
} from '../../src/index.js';

function configError(options: Partial<ConnectOptions>): ClientConfigError {
  try {
    connect({ url: 'ws://127.0.0.1:9/bridge', WebSocket, ...options } as ConnectOptions).close();
  } catch (error) {
    if (error instanceof ClientConfigError) return error;
    throw error;
  }
  throw new Error('connect() accepted the options');
}

describe('connect() options', () => {
  it('names the bad option and says what is expected', () => {
    expect(configError({ url: 'http://example.com' }).message).toBe(
      'connect(): option "url" expected a ws:// or wss:// URL such as wss://HOST/bridge, got "http://example.com"',
    );
    expect(configError({ WebSocket: undefined }).option).toBe('WebSocket');
    expect(configError({ pingIntervalMs: 0 }).message).toBe(
      'connect(): option "pingIntervalMs" must be a positive number, got 0',
    );
    expect(configError({ pingIntervalMs: 600_000 }).option).toBe('pingIntervalMs');
    expect(configError({ minReconnectDelayMs: 10, maxReconnectDelayMs: 5 }).option).toBe(
      'maxReconnectDelayMs',
    );
    const topics = configError({ topics: ['a/#/b'] });
    expect([topics.option, topics.code]).toEqual(['topics', 'invalid_option']);
  });

  it('checks the retained, catch-up and history options', () => {
    expect(configError({ retained: 'yes' as unknown as boolean }).message).toBe(
      'connect(): option "retained" must be true or false, got yes',
    );
    expect(configError({ catchUp: 1 as unknown as boolean }).option).toBe('catchUp');
    expect(configError({ history: { initial: -1 } }).message).toBe(
      `connect(): option "history.initial" must be an integer from 0 to ${MAX_INITIAL_HISTORY}, got -1`,
    );
    expect(configError({ history: { initial: 2.5 } }).option).toBe('history.initial');
    expect(configError({ history: { initial: 10, initialWindowMs: 0 } }).option).toBe(
      'history.initialWindowMs',
    );
    expect(configError({ historyTimeoutMs: -5 }).option).toBe('historyTimeoutMs');
  });

  it('renews ten minutes before API Gateway closes a connection after two hours', () => {
    expect(DEFAULT_RENEW_AFTER_MS).toBe(110 * 60 * 1000);
  });
});

import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CONNECTION_TTL_SECONDS,
  DEFAULT_FAN_OUT,
  DEFAULT_HISTORY_TABLE_NAME,
  DEFAULT_RETAINED_TABLE_NAME,
  DEFAULT_RETAINED_TTL_SECONDS,
  DEFAULT_TABLE_NAME,
  DEFAULT_TOPIC_INDEX_NAME,
  loadConfig,
} from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

describe('loadConfig', () => {
  it('uses the documented defaults for an empty environment', () => {
    expect(loadConfig({})).toEqual({
      tableName: DEFAULT_TABLE_NAME,
      indexName: DEFAULT_TOPIC_INDEX_NAME,
      dynamoEndpoint: undefined,
      connectionsEndpoint: undefined,
      ensureTable: false,
      logLevel: 'info',
      fanOut: DEFAULT_FAN_OUT,
      connectionTtlSeconds: DEFAULT_CONNECTION_TTL_SECONDS,
      authMode: 'on',
      indexShards: 4,
      legacyWildcardKeys: 'read',
      retained: { tableName: DEFAULT_RETAINED_TABLE_NAME, ttlSeconds: DEFAULT_RETAINED_TTL_SECONDS },
      history: { tableName: DEFAULT_HISTORY_TABLE_NAME, filters: [], maxFrames: 100, maxAgeSeconds: 86_400 },
    });
    expect(DEFAULT_CONNECTION_TTL_SECONDS).toBe(2 * 3600 + 600);
    expect(DEFAULT_RETAINED_TTL_SECONDS).toBe(7 * 24 * 3600);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      TABLE_NAME: 'T',
      TOPIC_INDEX_NAME: 'I',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567',
      CONNECTIONS_ENDPOINT: 'http://127.0.0.1:3001',
      ENSURE_TABLE: 'true',
      LOG_LEVEL: 'WARN',
      FAN_OUT_CONCURRENCY: '8',
      POST_TIMEOUT_MS: '500',
      POST_RETRIES: '0',
      BACKOFF_BASE_MS: '10',
      BACKOFF_CAP_MS: '100',
      CONNECTION_TTL_SECONDS: '3600',
      AUTH_MODE: 'off',
      WILDCARD_INDEX_SHARDS: '1',
      LEGACY_WILDCARD_KEYS: 'skip',
      RETAINED_TABLE_NAME: 'R',
      RETAINED_TTL_SECONDS: '120',
    });
    expect(config).toEqual({
      tableName: 'T',
      indexName: 'I',
      dynamoEndpoint: 'http://127.0.0.1:4567',
      connectionsEndpoint: 'http://127.0.0.1:3001',
      ensureTable: true,
      logLevel: 'warn',
      fanOut: {
        concurrency: 8,
        postTimeoutMs: 500,
        retries: 0,
        backoffBaseMs: 10,
        backoffCapMs: 100,
        publishBudgetMs: 25_000,
      },
      connectionTtlSeconds: 3600,
      authMode: 'off',
      indexShards: 1,
      legacyWildcardKeys: 'skip',
      retained: { tableName: 'R', ttlSeconds: 120 },
      history: { tableName: DEFAULT_HISTORY_TABLE_NAME, filters: [], maxFrames: 100, maxAgeSeconds: 86_400 },
    });
  });

  it.each([
    [{ ENSURE_TABLE: 'yes' }, 'ENSURE_TABLE must be "true" or "false"; got "yes"'],
    [{ FAN_OUT_CONCURRENCY: '0' }, 'FAN_OUT_CONCURRENCY must be a whole number of at least 1; got "0"'],
    [{ POST_TIMEOUT_MS: '1.5' }, 'POST_TIMEOUT_MS must be a whole number of at least 1; got "1.5"'],
    [
      { DYNAMODB_ENDPOINT: 'localhost:8000' },
      'DYNAMODB_ENDPOINT must be an http(s) URL such as http://127.0.0.1:8000; got "localhost:8000"',
    ],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of debug, info, warn, error; got "loud"'],
    [{ AUTH_MODE: 'maybe' }, 'AUTH_MODE must be one of on, off; got "maybe"'],
    [{ WILDCARD_INDEX_SHARDS: '0' }, 'WILDCARD_INDEX_SHARDS must be a whole number of at least 1; got "0"'],
    [{ WILDCARD_INDEX_SHARDS: '17' }, 'WILDCARD_INDEX_SHARDS must be at most 16; got "17"'],
    [{ LEGACY_WILDCARD_KEYS: 'maybe' }, 'LEGACY_WILDCARD_KEYS must be one of read, skip; got "maybe"'],
    [{ RETAINED_TTL_SECONDS: '59' }, 'RETAINED_TTL_SECONDS must be a whole number of at least 60; got "59"'],
  ])('names the malformed variable %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(new ConfigError(message));
  });
});

import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HISTORY_MAX_AGE_SECONDS,
  DEFAULT_HISTORY_MAX_FRAMES,
  DEFAULT_HISTORY_TABLE_NAME,
  loadHistoryConfig,
} from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

describe('loadHistoryConfig', () => {
  it('is off with the documented defaults for an empty environment', () => {
    expect(loadHistoryConfig({})).toEqual({
      tableName: DEFAULT_HISTORY_TABLE_NAME,
      filters: [],
      maxFrames: DEFAULT_HISTORY_MAX_FRAMES,
      maxAgeSeconds: DEFAULT_HISTORY_MAX_AGE_SECONDS,
    });
    expect([DEFAULT_HISTORY_TABLE_NAME, DEFAULT_HISTORY_MAX_FRAMES, DEFAULT_HISTORY_MAX_AGE_SECONDS]).toEqual(
      ['TopicBridgeHistory', 100, 86_400],
    );
  });

  it('reads comma-separated filters (trimmed, once each) and the bounds', () => {
    expect(
      loadHistoryConfig({
        HISTORY_TOPICS: ' sensors/# ,demo/+/t,,sensors/#',
        HISTORY_MAX_FRAMES: '5',
        HISTORY_MAX_AGE_SECONDS: '60',
        HISTORY_TABLE_NAME: 'H',
      }),
    ).toEqual({ tableName: 'H', filters: ['sensors/#', 'demo/+/t'], maxFrames: 5, maxAgeSeconds: 60 });
  });

  it.each([
    [
      { HISTORY_TOPICS: 'sensors/#,a/b#' },
      'HISTORY_TOPICS (the historyTopics parameter): "a/b#" is not a valid topic filter (topic filter "a/b#" has a misplaced wildcard: "#" must be the whole last level, as in "sensors/#"); write comma-separated filters such as "sensors/#,demo/#", or leave it empty to turn history off',
    ],
    [
      { HISTORY_MAX_FRAMES: '-1' },
      'HISTORY_MAX_FRAMES (the historyMaxFrames parameter) must be a whole number from 1 to 10000; got "-1" (the default is 100)',
    ],
    [
      { HISTORY_MAX_FRAMES: '10001' },
      'HISTORY_MAX_FRAMES (the historyMaxFrames parameter) must be a whole number from 1 to 10000; got "10001" (the default is 100)',
    ],
    [
      { HISTORY_MAX_AGE_SECONDS: '-5' },
      'HISTORY_MAX_AGE_SECONDS (the historyMaxAgeSeconds parameter) must be a whole number from 1 to 2592000; got "-5" (the default is 86400)',
    ],
    [
      { HISTORY_MAX_AGE_SECONDS: '1.5' },
      'HISTORY_MAX_AGE_SECONDS (the historyMaxAgeSeconds parameter) must be a whole number from 1 to 2592000; got "1.5" (the default is 86400)',
    ],
  ])('refuses %j at cold start with a message naming the setting', (env, message) => {
    expect(() => loadHistoryConfig(env)).toThrow(new ConfigError(message));
  });
});

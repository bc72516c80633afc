import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DASHBOARD_PORT,
  DEFAULT_HTTP_PORT,
  DEFAULT_LOG_LEVEL,
  DEFAULT_START_HISTORY_TOPICS,
  DEFAULT_SUMMARY_SECONDS,
  DEFAULT_WS_PORT,
  readStartSettings,
} from '../../local/start-settings.js';

describe('readStartSettings', () => {
  it('gives the documented defaults for an empty environment', () => {
    expect(readStartSettings({}, '/repo')).toEqual({
      ok: true,
      settings: {
        wsPort: DEFAULT_WS_PORT,
        httpPort: DEFAULT_HTTP_PORT,
        dashboardPort: DEFAULT_DASHBOARD_PORT,
        demo: true,
        onMessage: 'query',
        dataDir: undefined,
        logLevel: DEFAULT_LOG_LEVEL,
        summarySeconds: DEFAULT_SUMMARY_SECONDS,
        historyTopics: [...DEFAULT_START_HISTORY_TOPICS],
      },
    });
    expect(DEFAULT_START_HISTORY_TOPICS).toEqual(['sensors/#', 'demo/#', 'plant/#']);
    expect([DEFAULT_LOG_LEVEL, DEFAULT_SUMMARY_SECONDS, DEFAULT_HTTP_PORT]).toEqual(['info', 60, 3002]);
  });

  it('reads the log level and the summary interval', () => {
    const read = readStartSettings({ TOPIC_BRIDGE_LOG_LEVEL: ' DEBUG ', TOPIC_BRIDGE_SUMMARY_SECONDS: '5' });
    expect(read.ok && [read.settings.logLevel, read.settings.summarySeconds]).toEqual(['debug', 5]);
  });

  it('reads the history topics, and "off"', () => {
    const read = readStartSettings({ TOPIC_BRIDGE_HISTORY_TOPICS: ' a/# , b/+/c ' });
    expect(read.ok && read.settings.historyTopics).toEqual(['a/#', 'b/+/c']);
    const off = readStartSettings({ TOPIC_BRIDGE_HISTORY_TOPICS: 'OFF' });
    expect(off.ok && off.settings.historyTopics).toEqual([]);
  });

  it.each([
    [
      { TOPIC_BRIDGE_HTTP_PORT: '0' },
      'TOPIC_BRIDGE_HTTP_PORT must be a port number from 1 to 65535; got "0"',
    ],
    [
      { TOPIC_BRIDGE_HTTP_PORT: '3001' },
      'TOPIC_BRIDGE_HTTP_PORT must differ from TOPIC_BRIDGE_WS_PORT and TOPIC_BRIDGE_DASHBOARD_PORT',
    ],
    [
      { TOPIC_BRIDGE_HISTORY_TOPICS: 'sensors/#,a/#/b' },
      'TOPIC_BRIDGE_HISTORY_TOPICS: "a/#/b" is not a valid topic filter (topic filter "a/#/b" has a misplaced wildcard: "#" must be the whole last level, as in "sensors/#"); write comma-separated filters such as "sensors/#,demo/#", or "off"',
    ],
    [
      { TOPIC_BRIDGE_LOG_LEVEL: 'verbose' },
      'TOPIC_BRIDGE_LOG_LEVEL must be "info" (summaries, warnings, errors) or "debug" (every publish too); got "verbose"',
    ],
    [
      { TOPIC_BRIDGE_SUMMARY_SECONDS: '0' },
      'TOPIC_BRIDGE_SUMMARY_SECONDS must be a whole number of seconds from 1 to 86400; got "0"',
    ],
    [
      { TOPIC_BRIDGE_SUMMARY_SECONDS: '1.5' },
      'TOPIC_BRIDGE_SUMMARY_SECONDS must be a whole number of seconds from 1 to 86400; got "1.5"',
    ],
    [
      { TOPIC_BRIDGE_SUMMARY_SECONDS: '86401' },
      'TOPIC_BRIDGE_SUMMARY_SECONDS must be a whole number of seconds from 1 to 86400; got "86401"',
    ],
  ])('refuses %j with a message naming the variable', (env, problem) => {
    expect(readStartSettings(env)).toEqual({ ok: false, problem });
  });
});

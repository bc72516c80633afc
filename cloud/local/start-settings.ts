import { resolve } from 'node:path';
import { validateTopicFilter } from '@topic-bridge/shared-types';
import { START_LOG_LEVELS, type StartLogLevel } from './start-log.js';

/** The WebSocket port of `npm start` when TOPIC_BRIDGE_WS_PORT is unset (serverless-offline's usual one). */
export const DEFAULT_WS_PORT = 3001;

/** The HTTP publish port of `npm start` (`POST /publish`) when TOPIC_BRIDGE_HTTP_PORT is unset. */
export const DEFAULT_HTTP_PORT = 3002;

/** The onMessage variant of `npm start` when TOPIC_BRIDGE_ON_MESSAGE is unset: the deployed default. */
export const DEFAULT_ON_MESSAGE = 'query';

/** The dashboard's port of `npm start` when TOPIC_BRIDGE_DASHBOARD_PORT is unset. */
export const DEFAULT_DASHBOARD_PORT = 8080;

/** Whether `npm start` runs the simulated device agent when TOPIC_BRIDGE_DEMO is unset. */
export const DEFAULT_DEMO = true;

/** What `npm start` prints when TOPIC_BRIDGE_LOG_LEVEL is unset: summaries, warnings and errors only. */
export const DEFAULT_LOG_LEVEL: StartLogLevel = 'info';

/** Seconds between two summary lines of `npm start` when TOPIC_BRIDGE_SUMMARY_SECONDS is unset. */
export const DEFAULT_SUMMARY_SECONDS = 60;

/** The longest summary interval accepted: a day. */
export const MAX_SUMMARY_SECONDS = 86_400;

/**
 * The filters whose publishes keep a history in `npm start` when TOPIC_BRIDGE_HISTORY_TOPICS is unset: the
 * IoT gateways' `sensors/#`, the simulated agent's `demo/#`, and the README's `plant/…` examples.
 */
export const DEFAULT_START_HISTORY_TOPICS: readonly string[] = ['sensors/#', 'demo/#', 'plant/#'];

/** TOPIC_BRIDGE_HISTORY_TOPICS value that turns history off. */
export const HISTORY_OFF = 'off';

/** The onMessage variants: how `$default` finds a topic's subscribers. */
export const ON_MESSAGE_VARIANTS = ['query', 'scan'] as const;

/** What `npm start` runs with. */
export interface StartSettings {
  wsPort: number;
  /** HTTP publish's port on 127.0.0.1 (`POST /publish`). */
  httpPort: number;
  onMessage: (typeof ON_MESSAGE_VARIANTS)[number];
  /** Absolute folder for DynamoDB data; undefined keeps it in memory. */
  dataDir: string | undefined;
  /** The dashboard's port on 127.0.0.1. */
  dashboardPort: number;
  /** Run a simulated device agent publishing under `demo/`. */
  demo: boolean;
  /** `info`: a summary line per interval plus every warning and error; `debug`: every handler line too. */
  logLevel: StartLogLevel;
  /** Seconds between two summary lines. */
  summarySeconds: number;
  /** Filters whose publishes keep a history (empty: off). */
  historyTopics: string[];
}

function readPort(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: number,
): { ok: true; port: number } | { ok: false; problem: string } {
  const raw = env[name]?.trim() || String(fallback);
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65_535) {
    return { ok: false, problem: `${name} must be a port number from 1 to 65535; got "${raw}"` };
  }
  return { ok: true, port };
}

/** Reads `npm start`'s environment; a bad value yields a message naming the variable and what it accepts. */
export function readStartSettings(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string = process.cwd(),
): { ok: true; settings: StartSettings } | { ok: false; problem: string } {
  const ws = readPort(env, 'TOPIC_BRIDGE_WS_PORT', DEFAULT_WS_PORT);
  if (!ws.ok) return ws;
  const dashboard = readPort(env, 'TOPIC_BRIDGE_DASHBOARD_PORT', DEFAULT_DASHBOARD_PORT);
  if (!dashboard.ok) return dashboard;
  if (dashboard.port === ws.port) {
    return { ok: false, problem: 'TOPIC_BRIDGE_DASHBOARD_PORT and TOPIC_BRIDGE_WS_PORT must differ' };
  }
  const http = readPort(env, 'TOPIC_BRIDGE_HTTP_PORT', DEFAULT_HTTP_PORT);
  if (!http.ok) return http;
  if (http.port === ws.port || http.port === dashboard.port) {
    return {
      ok: false,
      problem: 'TOPIC_BRIDGE_HTTP_PORT must differ from TOPIC_BRIDGE_WS_PORT and TOPIC_BRIDGE_DASHBOARD_PORT',
    };
  }
  const rawDemo = env.TOPIC_BRIDGE_DEMO?.trim().toLowerCase() || String(DEFAULT_DEMO);
  if (rawDemo !== 'true' && rawDemo !== 'false') {
    return {
      ok: false,
      problem: `TOPIC_BRIDGE_DEMO must be "true" or "false"; got "${env.TOPIC_BRIDGE_DEMO}"`,
    };
  }
  const onMessage = env.TOPIC_BRIDGE_ON_MESSAGE?.trim() || DEFAULT_ON_MESSAGE;
  if (!(ON_MESSAGE_VARIANTS as readonly string[]).includes(onMessage)) {
    return {
      ok: false,
      problem: `TOPIC_BRIDGE_ON_MESSAGE must be "query" (topic index) or "scan" (whole table); got "${onMessage}"`,
    };
  }
  const logLevel = env.TOPIC_BRIDGE_LOG_LEVEL?.trim().toLowerCase() || DEFAULT_LOG_LEVEL;
  if (!(START_LOG_LEVELS as readonly string[]).includes(logLevel)) {
    return {
      ok: false,
      problem: `TOPIC_BRIDGE_LOG_LEVEL must be "info" (summaries, warnings, errors) or "debug" (every publish too); got "${env.TOPIC_BRIDGE_LOG_LEVEL}"`,
    };
  }
  const rawSummary = env.TOPIC_BRIDGE_SUMMARY_SECONDS?.trim() || String(DEFAULT_SUMMARY_SECONDS);
  const summarySeconds = Number(rawSummary);
  if (!/^\d+$/.test(rawSummary) || summarySeconds < 1 || summarySeconds > MAX_SUMMARY_SECONDS) {
    return {
      ok: false,
      problem: `TOPIC_BRIDGE_SUMMARY_SECONDS must be a whole number of seconds from 1 to ${MAX_SUMMARY_SECONDS}; got "${rawSummary}"`,
    };
  }
  const history = readHistoryTopics(env.TOPIC_BRIDGE_HISTORY_TOPICS);
  if (!history.ok) return history;
  const dataDir = env.TOPIC_BRIDGE_DATA_DIR?.trim();
  return {
    ok: true,
    settings: {
      wsPort: ws.port,
      httpPort: http.port,
      dashboardPort: dashboard.port,
      demo: rawDemo === 'true',
      onMessage: onMessage as StartSettings['onMessage'],
      dataDir: dataDir ? resolve(cwd, dataDir) : undefined,
      logLevel: logLevel as StartLogLevel,
      summarySeconds,
      historyTopics: history.topics,
    },
  };
}

function readHistoryTopics(
  raw: string | undefined,
): { ok: true; topics: string[] } | { ok: false; problem: string } {
  const value = raw?.trim() || DEFAULT_START_HISTORY_TOPICS.join(',');
  if (value.toLowerCase() === HISTORY_OFF) return { ok: true, topics: [] };
  const topics: string[] = [];
  for (const part of value.split(',')) {
    const filter = part.trim();
    if (filter === '') continue;
    const valid = validateTopicFilter(filter);
    if (!valid.ok) {
      return {
        ok: false,
        problem: `TOPIC_BRIDGE_HISTORY_TOPICS: "${filter}" is not a valid topic filter (${valid.error.reason}); write comma-separated filters such as "sensors/#,demo/#", or "off"`,
      };
    }
    topics.push(filter);
  }
  return { ok: true, topics };
}

import type { LocalStack } from './stack.js';
import { type StartAuth, withToken } from './start-auth.js';
import type { StartSettings } from './start-settings.js';

/**
 * The block `npm start` prints once everything listens: a heading, then one labelled line per thing a person
 * needs (where to connect, where to look, a frame to try, how to stop), then notes. Callers add their own
 * lines (a token, a dashboard URL that carries it) by adding entries; the labels are aligned here.
 */

/** One labelled line of the ready block, e.g. `{ label: 'dashboard', value: 'http://127.0.0.1:8080/' }`. */
export interface ReadyBlockLine {
  label: string;
  value: string;
}

/** What the block shows. */
export interface ReadyBlock {
  heading: string;
  lines: readonly ReadyBlockLine[];
  /** Unlabelled lines after the labelled ones (what the output shows from now on). */
  notes?: readonly string[];
}

/** Indentation of the labelled lines under the heading. */
const INDENT = '  ';

/** Spaces between the longest label and its value. */
const LABEL_GAP = 2;

/** Formats the block as lines (no trailing newline), labels padded so that the values line up. */
export function formatReadyBlock(block: ReadyBlock): string[] {
  const width = Math.max(0, ...block.lines.map((line) => line.label.length)) + LABEL_GAP;
  return [
    block.heading,
    ...block.lines.map((line) => `${INDENT}${line.label.padEnd(width)}${line.value}`),
    ...(block.notes ?? []),
  ];
}

/**
 * A `curl` command that publishes one frame to `demo` over HTTP, with the development token when auth is on,
 * that works when pasted into a POSIX shell (the JSON and the header are single-quoted; a JWT and the URL
 * hold no quote).
 */
export function curlPublishExample(publishUrl: string, auth: StartAuth): string {
  const frame = JSON.stringify({ topic: 'demo', message: 'hello over HTTP', id: '2' });
  const token = auth.mode === 'on' ? ` -H 'Authorization: Bearer ${auth.token}'` : '';
  return `curl -sS ${publishUrl}${token} -H 'Content-Type: application/json' -d '${frame}'`;
}

/**
 * The ready block's usual labelled lines: where to connect, where to look, a frame to try (over the WebSocket
 * and over HTTP), how to stop; with auth on, the development token too, and the dashboard and example URLs
 * and the curl command carry it.
 */
export function readyLines(
  stack: Pick<LocalStack, 'wsUrl' | 'publishUrl'>,
  dashboardUrl: string,
  auth: StartAuth = { mode: 'off', notices: [] },
): ReadyBlockLine[] {
  const frame = JSON.stringify({ topic: 'demo', message: 'hello', id: '1' });
  return [
    { label: 'bridge', value: stack.wsUrl },
    ...(auth.mode === 'on' ? [{ label: 'token', value: auth.token }] : []),
    { label: 'dashboard', value: withToken(dashboardUrl, auth) },
    {
      label: 'try it',
      value: `connect any WebSocket client to ${withToken(`${stack.wsUrl}?topicName=demo`, auth)} and send ${frame}`,
    },
    { label: 'http publish', value: curlPublishExample(stack.publishUrl, auth) },
    { label: 'stop', value: 'Ctrl-C' },
  ];
}

/**
 * `npm start`'s ready block: a heading with what runs, `lines` (readyLines, plus whatever the caller adds,
 * such as a token), and what the output shows from then on.
 */
export function readyBlock(
  stack: Pick<LocalStack, 'wsUrl' | 'onMessage'>,
  settings: Pick<StartSettings, 'dataDir' | 'demo' | 'logLevel' | 'summarySeconds'>,
  lines: readonly ReadyBlockLine[],
): string[] {
  const storage =
    settings.dataDir === undefined ? 'DynamoDB in memory' : `DynamoDB data in ${settings.dataDir}`;
  const demo = settings.demo ? ', simulated sensors publishing under demo/' : '';
  const every = `a summary every ${settings.summarySeconds} s`;
  const notes =
    settings.logLevel === 'debug'
      ? [`From now on: every handler log line (TOPIC_BRIDGE_LOG_LEVEL=debug) and ${every}.`]
      : [
          `From now on: ${every} and every warning or error as it happens ` +
            '(TOPIC_BRIDGE_LOG_LEVEL=debug shows every publish).',
        ];
  return formatReadyBlock({
    heading: `topic-bridge ready on ${stack.wsUrl} (onMessage=${stack.onMessage}, ${storage}${demo})`,
    lines,
    notes,
  });
}

import { findFreePortForLater, LOCAL_HOST } from '../../../local/free-port.js';
import { type LocalStack, startLocalStack } from '../../../local/stack.js';
import { type FaultProxy, startFaultProxy } from './fault-proxy.js';

/** serverless-offline bundles the handlers first: several seconds, more on a busy 2-core machine. */
export const STACK_START_TIMEOUT_MS = 120_000;

/** The handlers' `publish` log lines, parsed: what each publish counted. */
export interface PublishLine {
  delivered: number;
  failed: number;
  retries: number;
  retried: Record<string, number>;
  failures: Record<string, number>;
}

/** The local stack whose handlers post through a fault proxy, and the handlers' publish lines. */
export interface ProxiedStack {
  stack: LocalStack;
  proxy: FaultProxy;
  publishLines: PublishLine[];
  /** Every handler line at warn or error. */
  problems: string[];
  stop(): Promise<void>;
}

/** Starts the fault proxy (no faults yet) in front of the WebSocket port, then the stack pointed at it. */
export async function startProxiedStack(seed: number): Promise<ProxiedStack> {
  const wsPort = await findFreePortForLater();
  const proxy = await startFaultProxy(`http://${LOCAL_HOST}:${wsPort}`, seed, {
    resetFraction: 0,
    errorFraction: 0,
  });
  const publishLines: PublishLine[] = [];
  const problems: string[] = [];
  try {
    const stack = await startLocalStack({
      wsPort,
      connectionsEndpoint: proxy.url,
      logLevel: 'info',
      log: (line) => collectLine(line, publishLines, problems),
    });
    return {
      stack,
      proxy,
      publishLines,
      problems,
      stop: () => stack.stop().finally(() => proxy.stop()),
    };
  } catch (error) {
    await proxy.stop();
    throw error;
  }
}

/** Sorts one line of the stack's output into the publish lines and the problems (warn and error lines). */
export function collectLine(line: string, publishLines: PublishLine[], problems: string[]): void {
  const start = line.indexOf('{"time"');
  if (start < 0) return;
  try {
    const entry = JSON.parse(line.slice(start)) as Record<string, unknown>;
    if (entry.msg === 'publish') publishLines.push(entry as unknown as PublishLine);
    if (entry.level === 'warn' || entry.level === 'error') problems.push(line.slice(start));
  } catch {
    // Not one of the handlers' JSON lines.
  }
}

/** Sums the retries and their causes over publish lines. */
export function retriesIn(lines: readonly PublishLine[]): {
  retries: number;
  retried: Record<string, number>;
  lostPosts: number;
} {
  const retried: Record<string, number> = {};
  let retries = 0;
  let lostPosts = 0;
  for (const line of lines) {
    retries += line.retries ?? 0;
    lostPosts += line.failed ?? 0;
    for (const [code, count] of Object.entries(line.retried ?? {}))
      retried[code] = (retried[code] ?? 0) + count;
  }
  return { retries, retried, lostPosts };
}

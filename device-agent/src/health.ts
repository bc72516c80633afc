import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LinkState } from './link/link.js';
import type { AgentCounters } from './metrics.js';
import type { QueueStats } from './queue/queue.js';

/**
 * The optional local HTTP endpoint (127.0.0.1 only): `/healthz` for systemd or a watchdog, `/metrics` for
 * Prometheus. Healthy means frames flow, not merely that the process is up.
 */

/** What the endpoint reports, read fresh on every request. */
export interface HealthSnapshot {
  counters: AgentCounters;
  queue: QueueStats;
  linkState: LinkState;
  inFlight: number;
  startedAt: number;
}

/** The host the endpoint listens on: never reachable from the network. */
export const HEALTH_HOST = '127.0.0.1';

/**
 * Unhealthy when the queue's disk is full, or when readings are queued and nothing has been acknowledged for
 * `stallAfterMs` (since the last ack, or since start when none came yet). An empty queue is healthy even when
 * disconnected: nothing is waiting.
 */
export function healthStatus(
  snapshot: HealthSnapshot,
  now: number,
  stallAfterMs: number,
): { healthy: boolean; body: object } {
  const lastProgress = snapshot.counters.lastAckAt ?? snapshot.startedAt;
  const sinceProgressMs = now - lastProgress;
  const body = {
    connection: snapshot.linkState,
    queueDepth: snapshot.queue.depth,
    lastAckAgeMs: snapshot.counters.lastAckAt === undefined ? null : now - snapshot.counters.lastAckAt,
  };
  if (snapshot.queue.diskFull) {
    const reason = `the disk holding the queue is full: the oldest readings are dropped to make room (${snapshot.counters.dropped} so far); free space on it`;
    return { healthy: false, body: { status: 'unhealthy', reason, ...body } };
  }
  if (snapshot.queue.depth > 0 && sinceProgressMs > stallAfterMs) {
    const reason = `${snapshot.queue.depth} readings queued and none acknowledged for ${Math.round(sinceProgressMs / 1000)} s (connection ${snapshot.linkState})`;
    return { healthy: false, body: { status: 'unhealthy', reason, ...body } };
  }
  return { healthy: true, body: { status: 'ok', ...body } };
}

const LINK_STATES: LinkState[] = ['connecting', 'connected', 'disconnected', 'stopped'];

/** The Prometheus text exposition of the agent's state and counters. */
export function metricsText(snapshot: HealthSnapshot, now: number): string {
  const { counters: c, queue: q } = snapshot;
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string, samples: [string, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
  };
  metric(
    'device_agent_connection_state',
    'gauge',
    'Link state (1 for the current state).',
    LINK_STATES.map((s) => [`{state="${s}"}`, s === snapshot.linkState ? 1 : 0]),
  );
  metric('device_agent_queue_depth', 'gauge', 'Readings queued and not yet acknowledged.', [['', q.depth]]);
  metric('device_agent_queue_bytes', 'gauge', 'Bytes the queue occupies.', [['', q.bytes]]);
  metric('device_agent_in_flight', 'gauge', 'Frames sent and awaiting their ack.', [['', snapshot.inFlight]]);
  metric('device_agent_readings_read_total', 'counter', 'Readings accepted from inputs.', [['', c.read]]);
  metric(
    'device_agent_readings_refused_total',
    'counter',
    'Readings refused at emit (too large, bad topic).',
    [['', c.refused]],
  );
  metric('device_agent_frames_sent_total', 'counter', 'Frames sent, resends included.', [['', c.sent]]);
  metric('device_agent_frames_acked_total', 'counter', 'Frames acknowledged by the bridge.', [['', c.acked]]);
  metric('device_agent_readings_dropped_total', 'counter', 'Readings dropped because the queue was full.', [
    ['', c.dropped],
  ]);
  metric('device_agent_frames_rejected_total', 'counter', 'Frames refused by the bridge (dead-lettered).', [
    ['', c.rejected],
  ]);
  metric('device_agent_frames_resent_total', 'counter', 'Frames sent again.', [['', c.resent]]);
  metric('device_agent_connects_total', 'counter', 'Connections established.', [['', c.connects]]);
  metric('device_agent_queue_corrupt_bytes_total', 'counter', 'Corrupt queue bytes skipped.', [
    ['', q.corruptBytesSkipped],
  ]);
  metric('device_agent_queue_disk_full', 'gauge', 'The queue found its disk full (1) and drops the oldest.', [
    ['', q.diskFull ? 1 : 0],
  ]);
  metric(
    'device_agent_queue_write_failures_total',
    'counter',
    'Queue writes that failed (ENOSPC included).',
    [['', q.writeFailures]],
  );
  const age = c.lastAckAt === undefined ? Number.NaN : (now - c.lastAckAt) / 1000;
  metric('device_agent_last_ack_age_seconds', 'gauge', 'Seconds since the last ack (NaN before the first).', [
    ['', age],
  ]);
  return `${lines.join('\n')}\n`;
}

export interface HealthServerOptions {
  port: number;
  stallAfterMs: number;
  snapshot: () => HealthSnapshot;
  now?: () => number;
}

/** Starts the endpoint on 127.0.0.1; resolves with the bound port and a close function. */
export async function startHealthServer(
  options: HealthServerOptions,
): Promise<{ port: number; close: () => Promise<void> }> {
  const now = options.now ?? Date.now;
  const server: Server = createServer((request, response) => {
    const url = request.url?.split('?')[0];
    if (request.method !== 'GET' || (url !== '/healthz' && url !== '/metrics')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /healthz or /metrics\n');
      return;
    }
    if (url === '/metrics') {
      response
        .writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
        .end(metricsText(options.snapshot(), now()));
      return;
    }
    const status = healthStatus(options.snapshot(), now(), options.stallAfterMs);
    response
      .writeHead(status.healthy ? 200 : 503, { 'content-type': 'application/json' })
      .end(`${JSON.stringify(status.body)}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, HEALTH_HOST, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

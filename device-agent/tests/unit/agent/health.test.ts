import { describe, expect, it } from 'vitest';
import { type HealthSnapshot, healthStatus, metricsText, startHealthServer } from '../../../src/health.js';
import { createCounters } from '../../../src/metrics.js';
import { emptyQueueStats } from '../../../src/queue/queue.js';

function snapshot(overrides: Partial<HealthSnapshot> = {}): HealthSnapshot {
  return {
    counters: createCounters(),
    queue: emptyQueueStats(),
    linkState: 'connected',
    inFlight: 0,
    startedAt: 1_000,
    ...overrides,
  };
}

describe('health', () => {
  it('is healthy with an empty queue, even disconnected for long', () => {
    expect(healthStatus(snapshot({ linkState: 'disconnected' }), 10_000_000, 60_000).healthy).toBe(true);
  });

  it('is unhealthy when readings are queued and nothing was acknowledged for stallAfterMs', () => {
    const queue = {
      depth: 12,
      bytes: 900,
      head: 0,
      tail: 12,
      dropped: 0,
      corruptBytesSkipped: 0,
      diskFull: false,
      writeFailures: 0,
    };
    const counters = { ...createCounters(), lastAckAt: 50_000 };
    expect(healthStatus(snapshot({ queue, counters }), 110_000, 60_000)).toEqual({
      healthy: true,
      body: { status: 'ok', connection: 'connected', queueDepth: 12, lastAckAgeMs: 60_000 },
    });
    expect(healthStatus(snapshot({ queue, counters, linkState: 'disconnected' }), 110_001, 60_000)).toEqual({
      healthy: false,
      body: {
        status: 'unhealthy',
        reason: '12 readings queued and none acknowledged for 60 s (connection disconnected)',
        connection: 'disconnected',
        queueDepth: 12,
        lastAckAgeMs: 60_001,
      },
    });
  });

  it('is unhealthy while the queue finds its disk full, and says what to do', () => {
    const queue = {
      depth: 3,
      bytes: 900,
      head: 0,
      tail: 3,
      dropped: 7,
      corruptBytesSkipped: 0,
      diskFull: true,
      writeFailures: 2,
    };
    const counters = { ...createCounters(), dropped: 7, lastAckAt: 1_000 };
    expect(healthStatus(snapshot({ queue, counters }), 2_000, 60_000)).toEqual({
      healthy: false,
      body: {
        status: 'unhealthy',
        reason:
          'the disk holding the queue is full: the oldest readings are dropped to make room (7 so far); free space on it',
        connection: 'connected',
        queueDepth: 3,
        lastAckAgeMs: 1_000,
      },
    });
    const text = metricsText(snapshot({ queue, counters }), 2_000);
    expect(text).toContain('\ndevice_agent_queue_disk_full 1\n');
    expect(text).toContain('\ndevice_agent_queue_write_failures_total 2\n');
  });

  it('serves /healthz (503 with a reason), /metrics in Prometheus text, and 404 elsewhere, on 127.0.0.1', async () => {
    const counters = {
      ...createCounters(),
      read: 5,
      sent: 4,
      acked: 3,
      dropped: 2,
      rejected: 1,
      lastAckAt: 0,
    };
    const queue = {
      depth: 2,
      bytes: 300,
      head: 3,
      tail: 5,
      dropped: 2,
      corruptBytesSkipped: 0,
      diskFull: false,
      writeFailures: 0,
    };
    const server = await startHealthServer({
      port: 0,
      stallAfterMs: 1000,
      snapshot: () => snapshot({ counters, queue }),
      now: () => 4_500,
    });
    try {
      const health = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      expect(health.status).toBe(503);
      expect(((await health.json()) as { reason: string }).reason).toBe(
        '2 readings queued and none acknowledged for 5 s (connection connected)',
      );
      const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      for (const line of [
        'device_agent_connection_state{state="connected"} 1',
        'device_agent_connection_state{state="disconnected"} 0',
        'device_agent_queue_depth 2',
        'device_agent_queue_bytes 300',
        'device_agent_readings_read_total 5',
        'device_agent_frames_sent_total 4',
        'device_agent_frames_acked_total 3',
        'device_agent_readings_dropped_total 2',
        'device_agent_frames_rejected_total 1',
        'device_agent_last_ack_age_seconds 4.5',
      ]) {
        expect(metrics.split('\n')).toContain(line);
      }
      expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('renders NaN for the last ack age before the first ack', () => {
    expect(metricsText(snapshot(), 5).split('\n')).toContain('device_agent_last_ack_age_seconds NaN');
  });
});

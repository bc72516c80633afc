import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';

import WebSocket from 'ws';
import type { AgentConfig } from './config.js';
import { fileDeadLetters } from './delivery/dead-letter.js';
import { Dispatcher } from './delivery/dispatcher.js';
import { describeError, QueueIoError } from './errors.js';
import { type HealthSnapshot, startHealthServer } from './health.js';
import type { EmitResult, Input, Reading } from './inputs/input.js';
import type { Link } from './link/link.js';
import { bridgeTokenSource } from './link/token-source.js';
import { type WebSocketConstructor, WsLink } from './link/ws-link.js';
import type { AgentLogger } from './log.js';
import { createCounters } from './metrics.js';
import { DiskQueue, type DiskQueueOptions } from './queue/disk-queue.js';
import { MemoryQueue } from './queue/memory-queue.js';
import { emptyQueueStats, type FrameQueue } from './queue/queue.js';
import { createClockCheck, createClockStepDetector } from './stamp/clock.js';
import { fileSequence, type Sequence } from './stamp/sequence.js';
import { stampReading } from './stamp/stamp.js';
import type { Timers } from './timers.js';

/** The answer to every reading queued: one frozen object, not one per reading. */
const ACCEPTED: EmitResult = Object.freeze({ accepted: true });
const NOT_RUNNING: EmitResult = Object.freeze({
  accepted: false,
  reason: 'the agent is not running',
  retryable: true,
});

/** Dead-letter file size before it is rotated to `.1`. */
export const DEAD_LETTER_MAX_BYTES = 4 * 1024 * 1024;

export interface AgentDependencies {
  config: AgentConfig;
  inputs: Input[];
  logger: AgentLogger;
  /** The WebSocket class for the default link (tests may wrap `ws`). */
  WebSocket?: WebSocketConstructor;
  /** Builds another output (e.g. AWS IoT Core) instead of the WebSocket link. */
  createLink?: (config: AgentConfig, logger: AgentLogger) => Link;
  clockSynced?: () => boolean;
  now?: () => number;
  /** The WebSocket link's timers (tests drive reconnects and the slow retry after a refused token). */
  linkTimers?: Timers;
  /** The dispatcher's and the disk queue's timers (pacing, retries, ack timeouts, fsync and head commits). */
  timers?: Timers;
  /** How the disk queue makes a batch durable (default: fsync); tests hold it to watch what waits for it. */
  syncQueueFile?: (file: FileHandle) => Promise<void>;
}

/** A running agent: inputs → stamp → durable queue → dispatcher → link. */
export interface Agent {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** What inputs call: stamps the reading and resolves once it is durably queued (or refused). */
  emit(reading: Reading): Promise<EmitResult>;
  snapshot(): HealthSnapshot;
  /** The health endpoint's port once started with health enabled. */
  healthPort: number | undefined;
}

/** Wires the agent from its configuration; nothing runs until `start()`. */
export function createAgent(deps: AgentDependencies): Agent {
  const { config, logger } = deps;
  const now = deps.now ?? Date.now;
  const clockSynced = deps.clockSynced ?? createClockCheck({ now });
  const clockBehind = createClockStepDetector();
  const counters = createCounters();
  const startedAt = now();
  const link =
    deps.createLink?.(config, logger) ??
    new WsLink({
      ...config.bridge,
      backoff: backoffOf(config),
      url: config.bridge.url,
      token: bridgeTokenSource(config.bridge),
      ...(deps.linkTimers ? { timers: deps.linkTimers, now: deps.now ?? Date.now } : {}),
      WebSocket: deps.WebSocket ?? WebSocket,
      logger,
    });
  let queue: FrameQueue | undefined;
  let sequence: Sequence | undefined;
  let dispatcher: Dispatcher | undefined;
  let health: { port: number; close: () => Promise<void> } | undefined;
  let stopping = false;

  link.on('state', (state, detail) => {
    if (state === 'connected') counters.connects += 1;
    logger.info({ state, detail }, `bridge link ${state}`);
  });

  /** Reserving the next block of sequence numbers writes a file: a full disk must refuse, not throw. */
  async function reserveThenQueue(
    reading: Reading,
    numbers: Sequence,
    into: FrameQueue,
  ): Promise<EmitResult> {
    let seq: number;
    try {
      seq = await numbers.next();
    } catch (error) {
      logger.error({ err: describeError(error) }, 'cannot reserve sequence numbers');
      return { accepted: false, reason: describeError(error), retryable: true };
    }
    return stampAndQueue(reading, seq, into);
  }

  /** Stamps the reading and resolves once it is durably queued (or refused). Never rejects. */
  function stampAndQueue(reading: Reading, seq: number, into: FrameQueue): Promise<EmitResult> {
    const time = now();
    const stamped = stampReading(reading, {
      device: config.device.id,
      seq,
      now: time,
      clockSynced: clockSynced(),
      clockBehind: clockBehind(reading.readAt ?? time),
    });
    if (!stamped.ok) {
      counters.refused += 1;
      logger.warn(
        { topic: String(reading.topic).slice(0, 300), reason: stamped.reason },
        'reading refused, not queued',
      );
      return Promise.resolve({ accepted: false, reason: stamped.reason });
    }
    let queued: Promise<void>;
    try {
      queued = into.append(stamped.text, stamped.id);
    } catch (error) {
      queued = Promise.reject(error);
    }
    return queued.then(countAccepted, cannotQueue);
  }

  function countAccepted(): EmitResult {
    counters.read += 1;
    return ACCEPTED;
  }

  function cannotQueue(error: unknown): EmitResult {
    logger.error({ err: describeError(error) }, 'cannot queue a reading');
    return { accepted: false, reason: describeError(error), retryable: true };
  }

  const agent: Agent = {
    healthPort: undefined,
    async start() {
      queue = await openQueue(
        config,
        logger,
        {
          ...(deps.timers ? { timers: deps.timers, clock: now } : {}),
          ...(deps.syncQueueFile ? { sync: deps.syncQueueFile } : {}),
        },
        (count) => {
          counters.dropped += count;
        },
      ).catch((error: unknown) => {
        const reason = (error as NodeJS.ErrnoException).code ?? describeError(error);
        throw new QueueIoError(
          `cannot open the queue in ${path.join(config.state.dir, 'queue')} (${reason}); check that state.dir is a writable directory`,
          { cause: error },
        );
      });
      // The sequence is persisted even with a memory queue: ids must never repeat across restarts.
      sequence = await fileSequence(config.state.dir);
      const deadLetters = fileDeadLetters(
        path.join(config.state.dir, 'dead-letters.jsonl'),
        DEAD_LETTER_MAX_BYTES,
        now,
      );
      dispatcher = new Dispatcher({
        queue,
        link,
        logger,
        counters,
        deadLetters,
        ...config.delivery,
        retryBackoff: backoffOf(config),
        now,
        ...(deps.timers ? { timers: deps.timers } : {}),
      });
      const stats = queue.stats();
      logger.info(
        {
          device: config.device.id,
          backlog: stats.depth,
          queueBytes: stats.bytes,
          inputs: deps.inputs.map((i) => i.name),
        },
        'device agent starting',
      );
      link.start();
      dispatcher.start();
      if (config.health.enabled) {
        health = await startHealthServer({
          port: config.health.port,
          stallAfterMs: config.health.stallAfterMs,
          snapshot: agent.snapshot,
          now,
        });
        agent.healthPort = health.port;
        logger.info({ url: `http://127.0.0.1:${health.port}/healthz` }, 'health endpoint listening');
      }
      for (const input of deps.inputs) {
        const context = { emit: agent.emit, logger: logger.child({ input: input.name }) };
        await input.start(context).catch((error: unknown) => {
          logger.error(
            { input: input.name, err: describeError(error) },
            'an input failed to start; the others keep running',
          );
        });
      }
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      for (const input of deps.inputs) await input.stop().catch(() => {});
      await dispatcher?.stop();
      await link.stop();
      await queue?.close();
      await health?.close();
      logger.info({ ...counters }, 'device agent stopped');
    },
    emit(reading) {
      // Temporary refusals are `retryable`: an MQTT input then leaves the message unacknowledged for redelivery.
      if (stopping || !queue || !sequence) return Promise.resolve(NOT_RUNNING);
      // Most readings take a number already reserved: stamped and queued without an async function's frame,
      // which at 1,000 readings/s was a kilobyte of garbage per reading (sampled heap profile).
      const seq = sequence.tryNext();
      return seq === undefined
        ? reserveThenQueue(reading, sequence, queue)
        : stampAndQueue(reading, seq, queue);
    },
    snapshot() {
      return {
        counters: { ...counters },
        queue: queue?.stats() ?? emptyQueueStats(),
        linkState: link.state,
        inFlight: dispatcher?.inFlightCount ?? 0,
        startedAt,
      };
    },
  };
  return agent;
}

function backoffOf(config: AgentConfig): { initialMs: number; maxMs: number; stableAfterMs: number } {
  return {
    initialMs: config.bridge.backoffInitialMs,
    maxMs: config.bridge.backoffMaxMs,
    stableAfterMs: config.bridge.stableAfterMs,
  };
}

async function openQueue(
  config: AgentConfig,
  logger: AgentLogger,
  time: Pick<DiskQueueOptions, 'timers' | 'clock' | 'sync'>,
  countDrop: (count: number) => void,
): Promise<FrameQueue> {
  const onDrop = (count: number, reason: string) => {
    countDrop(count);
    logger.warn({ dropped: count, reason }, `${reason}: dropped the ${count} oldest readings`);
  };
  if (config.queue.kind === 'memory') return new MemoryQueue({ maxBytes: config.queue.maxBytes, onDrop });
  return DiskQueue.open({
    dir: path.join(config.state.dir, 'queue'),
    maxBytes: config.queue.maxBytes,
    segmentBytes: config.queue.segmentBytes,
    fsyncIntervalMs: config.queue.fsyncIntervalMs,
    ...time,
    onDrop,
    onCorrupt: (file, skippedBytes, problem) =>
      logger.warn(
        { file, skippedBytes, problem },
        'skipped corrupt or torn data in the queue (readings in it are lost)',
      ),
  });
}

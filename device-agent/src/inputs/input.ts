import type { JsonValue } from '@topic-bridge/shared-types';

/**
 * The one interface every input (mqtt, file, command, stdin, simulated) implements. An input turns something
 * it reads into readings and hands them to the agent; the agent stamps them (time, device id, sequence),
 * queues them durably and publishes them. Inputs know nothing about the queue or the WebSocket.
 */

/** One value read by an input, before the agent stamps it. */
export interface Reading {
  /** The bridge topic to publish to (already mapped from the source, e.g. from an MQTT topic). */
  topic: string;
  /** The payload, published as the frame's `message`. */
  message: JsonValue;
  /** When the value was read (ms since epoch); the agent uses its clock when absent. */
  readAt?: number;
}

/** Why the agent refused a reading (too large, invalid topic): the input logs it and moves on. */
export interface ReadingRejected {
  accepted: false;
  reason: string;
  /**
   * True when the refusal is temporary (the agent is stopping, say): an MQTT input then leaves a QoS 1
   * message unacknowledged so that the broker delivers it again. Absent or false: the reading can never be
   * accepted (too large, invalid topic), so it is logged, acknowledged and dropped.
   */
  retryable?: boolean;
}

/** The agent's answer to `emit`: accepted once the reading is safe in the durable queue. */
export type EmitResult = { accepted: true } | ReadingRejected;

/** A minimal structured logger (pino-compatible subset), passed in so inputs never build their own. */
export interface InputLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** What the agent gives an input when starting it. */
export interface InputContext {
  /**
   * Hands a reading to the agent. The promise resolves once the reading is durably queued (so an MQTT QoS 1
   * message may be acknowledged to its broker only then), or with a rejection the input should log.
   */
  emit(reading: Reading): Promise<EmitResult>;
  logger: InputLogger;
}

/** A source of readings. `start` returns once the input is running; `stop` releases everything it holds. */
export interface Input {
  /** A short name for logs and metrics, e.g. `mqtt:broker.local` or `file:cpu-temp`. */
  readonly name: string;
  start(context: InputContext): Promise<void>;
  stop(): Promise<void>;
}

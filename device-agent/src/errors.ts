import { describeError } from '@topic-bridge/shared-types';

/**
 * The agent's errors. Every one carries a stable `code` (for logs and tests) and keeps its `cause`; the CLI
 * maps them to exit codes (see `cli/exit-codes.ts`).
 */

/** Stable codes of the agent's own errors. */
export type AgentErrorCode =
  | 'config_invalid'
  | 'usage'
  | 'connect_failed'
  | 'timeout'
  | 'rejected'
  | 'queue_io'
  | 'queue_closed'
  | 'link_closed'
  | 'provision_failed';

/** Base class of every error the agent raises on purpose. */
export class AgentError extends Error {
  readonly code: AgentErrorCode;

  constructor(code: AgentErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentError';
    this.code = code;
  }
}

/** The configuration (file, environment or flags) is invalid; `keyPath` names the offending key. */
export class ConfigError extends AgentError {
  readonly keyPath: string;

  constructor(keyPath: string, problem: string, options?: { cause?: unknown }) {
    super('config_invalid', `config ${keyPath}: ${problem}`, options);
    this.name = 'ConfigError';
    this.keyPath = keyPath;
  }
}

/** The command line itself is wrong (a missing or malformed flag). */
export class UsageError extends AgentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('usage', message, options);
    this.name = 'UsageError';
  }
}

/** The bridge could not be reached (DNS, refused, TLS, HTTP status at the handshake, connect timeout). */
export class ConnectError extends AgentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('connect_failed', message, options);
    this.name = 'ConnectError';
  }
}

/** Something the agent waited for (an ack, a frame) did not come in time. */
export class TimeoutError extends AgentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('timeout', message, options);
    this.name = 'TimeoutError';
  }
}

/** The bridge answered a frame with an error frame; `errorCode` is the protocol's stable code. */
export class RejectedError extends AgentError {
  readonly errorCode: string;

  constructor(errorCode: string, reason: string) {
    super('rejected', `the bridge rejected the frame: ${errorCode}: ${reason}`);
    this.name = 'RejectedError';
    this.errorCode = errorCode;
  }
}

/** Reading or writing the queue's files failed (disk full, permissions, a vanished directory). */
export class QueueIoError extends AgentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('queue_io', message, options);
    this.name = 'QueueIoError';
  }
}

/** The queue was used after `close()`. */
export class QueueClosedError extends AgentError {
  constructor() {
    super('queue_closed', 'the queue is closed');
    this.name = 'QueueClosedError';
  }
}

/** One line for any thrown value (name, message, cause chain), for logs: the one implementation is shared-types'. */
export { describeError };

/**
 * What the CLI prints after `device-agent: `: our own errors' messages are written to a person already (what
 * failed and what to do), so they are printed as they are; anything else is described with its name and causes.
 */
export function describeForCli(error: unknown): string {
  return error instanceof AgentError ? error.message : describeError(error);
}

import { describeError } from '../errors.js';
import type { Logger } from '../log.js';

/** One Lambda handler: how its runtime is built (once per cold start) and what it does with an event. */
export interface HandlerDefinition<R extends { logger: Logger }, E, O> {
  /** Names the handler in its log lines. */
  name: string;
  /** Builds the runtime (configuration, clients, keys) at the first invocation; reused while warm. */
  build: () => R | Promise<R>;
  handle: (event: E, runtime: R) => Promise<O>;
  /**
   * The answer after a failure (the runtime could not be built, or `handle` threw), already logged. It may
   * throw instead, for handlers whose caller must see the failure (the IoT rule retries, API Gateway's 500).
   */
  fail: (error: unknown) => O;
  /** Failures that `handle` logged itself, with more context than this wrapper has: not logged again. */
  alreadyLogged?: (error: unknown) => boolean;
}

/**
 * Wraps a handler: builds its runtime once per cold start (a failed build is tried again at the next
 * invocation, so a passing SSM or DynamoDB hiccup does not poison the container) and logs every failure
 * exactly once, as one JSON line, before `fail` shapes the answer.
 */
export function withRuntime<R extends { logger: Logger }, E, O>(
  definition: HandlerDefinition<R, E, O>,
): (event: E) => Promise<O> {
  let building: Promise<R> | undefined;
  return async (event) => {
    let runtime: R;
    try {
      building ??= Promise.resolve().then(definition.build);
      runtime = await building;
    } catch (error) {
      building = undefined;
      logStartupFailure(definition.name, error);
      return definition.fail(error);
    }
    try {
      return await definition.handle(event, runtime);
    } catch (error) {
      if (definition.alreadyLogged?.(error)) return definition.fail(error);
      runtime.logger.error(`${definition.name} failed unexpectedly`, {
        error: describeError(error),
        stack: error instanceof Error ? error.stack : undefined,
      });
      return definition.fail(error);
    }
  };
}

/** Logs a failure that happened before a logger existed (a bad configuration), as one JSON line. */
export function logStartupFailure(name: string, error: unknown): void {
  console.error(
    JSON.stringify({ level: 'error', msg: `${name}: handler failed to start`, error: describeError(error) }),
  );
}

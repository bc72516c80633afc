import {
  type ClientFrame,
  type ErrorFrame,
  errorFrame,
  isActionFrame,
  parseClientFrame,
} from '@topic-bridge/shared-types';
import { HANDLER_TIME_BUDGET_MS } from '../config.js';
import { describeError, STORE_UNAVAILABLE_REASON, StoreUnavailableError } from '../errors.js';
import { history } from './actions/history.js';
import { ping } from './actions/ping.js';
import { publish } from './actions/publish.js';
import { retained } from './actions/retained.js';
import { subscribe } from './actions/subscribe.js';
import { unsubscribe } from './actions/unsubscribe.js';
import type { ActionAnswer, IncomingMessage, MessageDeps, Outgoing } from './message-context.js';
import { postWithRetry } from './post-with-retry.js';

/**
 * Handles one frame from a client: validates it, routes it to its action, and posts the reply (if any) to
 * the sender. Never rejects: a bad frame or a failure becomes an error frame to the sender only.
 */
export async function handleMessage(message: IncomingMessage, deps: MessageDeps): Promise<void> {
  const replyDeadline = (deps.now ?? Date.now)() + HANDLER_TIME_BUDGET_MS;
  const reply = (connectionId: string, frame: Outgoing) => replyTo(connectionId, frame, deps, replyDeadline);
  const parsed = parseClientFrame(message.body);
  if (!parsed.ok) {
    const { code, reason, id } = parsed.error;
    await reply(message.connectionId, errorFrame(code, reason, id));
    return;
  }
  let answer: ActionAnswer;
  try {
    answer = await route(parsed.value, message, deps);
  } catch (error) {
    answer = failureFrame(error, parsed.value.id, message, deps);
  }
  // Several frames (a confirmation and retained values, history and its summary) are posted one after
  // another, so the sender receives them in this order; once one cannot be posted the rest are dropped.
  for (const frame of answer === undefined ? [] : Array.isArray(answer) ? answer : [answer]) {
    if (!(await reply(message.connectionId, frame))) break;
  }
}

/** The one place that maps a frame to its action. */
function route(frame: ClientFrame, message: IncomingMessage, deps: MessageDeps): Promise<ActionAnswer> {
  if (!isActionFrame(frame)) return publish(frame, message, deps);
  switch (frame.action) {
    case 'subscribe':
      return subscribe(frame, message, deps);
    case 'unsubscribe':
      return unsubscribe(frame, message, deps);
    case 'ping':
      return Promise.resolve(ping(frame));
    case 'retained':
      return retained(frame, message, deps);
    case 'history':
      return history(frame, message, deps);
  }
}

function failureFrame(
  error: unknown,
  id: string | undefined,
  message: IncomingMessage,
  deps: MessageDeps,
): ErrorFrame {
  if (error instanceof StoreUnavailableError) {
    deps.logger.warn('store unavailable', {
      connectionId: message.connectionId,
      error: describeError(error),
    });
    return errorFrame('store_unavailable', STORE_UNAVAILABLE_REASON, id);
  }
  deps.logger.error('unexpected failure handling a frame', {
    connectionId: message.connectionId,
    error: describeError(error),
    stack: error instanceof Error ? error.stack : undefined,
  });
  return errorFrame(
    'internal',
    'the bridge failed unexpectedly; try again, and report it if it persists',
    id,
  );
}

/** Posts one frame to the sender; false when it could not be posted. */
async function replyTo(
  connectionId: string,
  frame: Outgoing,
  deps: MessageDeps,
  deadline: number,
): Promise<boolean> {
  const text = typeof frame === 'string' ? frame : JSON.stringify(frame);
  const post = await postWithRetry(connectionId, text, { ...deps, settings: deps.config.fanOut }, deadline);
  if (post.outcome === 'gone') {
    // The sender closed before its reply (a device that dropped, a client that stopped): nothing is wrong here.
    deps.logger.debug('the sender left before its reply', {
      connectionId,
      type: typeof frame === 'string' ? 'stored frame' : frame.type,
    });
  } else if (post.outcome !== 'delivered') {
    deps.logger.warn('could not reply to the sender', {
      connectionId,
      type: typeof frame === 'string' ? 'stored frame' : frame.type,
      outcome: post.outcome,
      ...(post.outcome === 'failed' ? { code: post.code, error: describeError(post.error) } : {}),
      retried: post.retried,
    });
  }
  return post.outcome === 'delivered';
}

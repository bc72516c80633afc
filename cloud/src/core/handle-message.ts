import {
  type ClientFrame,
  type ErrorFrame,
  errorFrame,
  isActionFrame,
  parseClientFrame,
} from '@topic-bridge/shared-types';
import { HANDLER_TIME_BUDGET_MS } from '../config.js';
import { describeError, StoreUnavailableError } from '../errors.js';
import { ping } from './actions/ping.js';
import { publish } from './actions/publish.js';
import { subscribe } from './actions/subscribe.js';
import { unsubscribe } from './actions/unsubscribe.js';
import type { IncomingMessage, MessageDeps, OutgoingFrame } from './message-context.js';
import { postWithRetry } from './post-with-retry.js';

/**
 * Handles one frame from a client: validates it, routes it to its action, and posts the action's frames (none,
 * one, or several, in order) to the sender. Never rejects: a bad frame or a failure becomes an error frame to the sender only.
 */
export async function handleMessage(message: IncomingMessage, deps: MessageDeps): Promise<void> {
  const replyDeadline = (deps.now ?? Date.now)() + HANDLER_TIME_BUDGET_MS;
  const reply = (connectionId: string, frame: OutgoingFrame) =>
    replyTo(connectionId, frame, deps, replyDeadline);
  const parsed = parseClientFrame(message.body);
  if (!parsed.ok) {
    const { code, reason, id } = parsed.error;
    await reply(message.connectionId, errorFrame(code, reason, id));
    return;
  }
  let answers: OutgoingFrame[];
  try {
    answers = await route(parsed.value, message, deps);
  } catch (error) {
    answers = [failureFrame(error, parsed.value.id, message, deps)];
  }
  // In order, one after another: a frame's retained values come after its confirmation. Once a post fails
  // (the connection gone, or out of retries), the rest would fail the same way: they are not tried.
  for (const answer of answers) {
    if (!(await reply(message.connectionId, answer))) break;
  }
}

/** The one place that maps a frame to its action; an action answers with no frame, one, or several. */
async function route(
  frame: ClientFrame,
  message: IncomingMessage,
  deps: MessageDeps,
): Promise<OutgoingFrame[]> {
  if (!isActionFrame(frame)) return framesOf(await publish(frame, message, deps));
  switch (frame.action) {
    case 'subscribe':
      return framesOf(await subscribe(frame, message, deps));
    case 'unsubscribe':
      return framesOf(await unsubscribe(frame, message, deps));
    case 'ping':
      return framesOf(ping(frame));
  }
}

function framesOf(answer: OutgoingFrame | readonly OutgoingFrame[] | undefined): OutgoingFrame[] {
  if (answer === undefined) return [];
  return Array.isArray(answer) ? [...(answer as readonly OutgoingFrame[])] : [answer as OutgoingFrame];
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
    return errorFrame('store_unavailable', 'the subscription store is unavailable; try again shortly', id);
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

/** Posts one frame to the sender; true when it was delivered. */
async function replyTo(
  connectionId: string,
  frame: OutgoingFrame,
  deps: MessageDeps,
  deadline: number,
): Promise<boolean> {
  const text = typeof frame === 'string' ? frame : JSON.stringify(frame);
  const post = await postWithRetry(connectionId, text, { ...deps, settings: deps.config.fanOut }, deadline);
  if (post.outcome !== 'delivered') {
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

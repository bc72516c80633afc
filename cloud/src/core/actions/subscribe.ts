import {
  type ErrorFrame,
  errorFrame,
  MAX_FILTERS_PER_CONNECTION,
  type SubscribedFrame,
  type SubscribeFrame,
  subscribeAllowed,
} from '@topic-bridge/shared-types';
import type { IncomingMessage, MessageDeps, Outgoing } from '../message-context.js';
import { retainedDepsOf, retainedFramesFor } from './retained.js';

/**
 * Refused with `forbidden` (nothing read or stored) when no `subscribe` grant covers the filter. Otherwise
 * adds the filter to the connection, answered with `subscribed`. Subscribing again to a held filter is
 * confirmed without a second row; a connection already at MAX_FILTERS_PER_CONNECTION gets an error. The
 * store enforces the limit atomically, so concurrent subscribes on one connection cannot pass it together.
 * With retained values kept, the confirmation carries `retained: N` (and `retainedTruncated` when cut) and is
 * followed by those N frames, newest first, each marked `"replay":"retained"`. Should that lookup fail, the
 * answer is `store_unavailable` (the subscription is held: subscribing again is confirmed, with the values).
 */
export async function subscribe(
  frame: SubscribeFrame,
  message: IncomingMessage,
  deps: MessageDeps,
): Promise<Outgoing[] | ErrorFrame> {
  if (!subscribeAllowed(message.grants.subscribe, frame.topic)) {
    deps.logger.warn('subscribe forbidden', { connectionId: message.connectionId, filter: frame.topic });
    return errorFrame('forbidden', `your token does not allow subscribing to "${frame.topic}"`, frame.id);
  }
  const outcome = await deps.store.addFilter(message.connectionId, frame.topic, message.connectedAtMs);
  if (outcome === 'limit') {
    return errorFrame(
      'too_many_subscriptions',
      `this connection already holds ${MAX_FILTERS_PER_CONNECTION} filters, the most allowed (${MAX_FILTERS_PER_CONNECTION}); unsubscribe from one first`,
      frame.id,
    );
  }
  const reply: SubscribedFrame = { type: 'subscribed', topic: frame.topic };
  if (frame.id !== undefined) reply.id = frame.id;
  const retainedDeps = retainedDepsOf(deps);
  if (retainedDeps === undefined) return [reply];
  const selection = await retainedFramesFor(frame.topic, retainedDeps);
  reply.retained = selection.frames.length;
  if (selection.truncated) reply.retainedTruncated = true;
  return [reply, ...selection.frames];
}

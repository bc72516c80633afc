import type { UnsubscribedFrame, UnsubscribeFrame } from '@topic-bridge/shared-types';
import type { IncomingMessage, MessageDeps } from '../message-context.js';

/** Removes a filter from the connection, answered with `unsubscribed` (also when it was not held). */
export async function unsubscribe(
  frame: UnsubscribeFrame,
  message: IncomingMessage,
  deps: MessageDeps,
): Promise<UnsubscribedFrame> {
  await deps.store.removeFilter(message.connectionId, frame.topic);
  const reply: UnsubscribedFrame = { type: 'unsubscribed', topic: frame.topic };
  return frame.id === undefined ? reply : { ...reply, id: frame.id };
}

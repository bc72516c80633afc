import type { AckFrame, PublishFrame } from '@topic-bridge/shared-types';
import type { IncomingMessage, MessageDeps } from '../message-context.js';
import { deliver } from '../publish.js';

/**
 * Fans the frame out, exactly as received, to the topic's subscribers; with an `id`, answers the sender
 * with an ack counting the connections that accepted it, once every post has settled.
 */
export async function publish(
  frame: PublishFrame,
  message: IncomingMessage,
  deps: MessageDeps,
): Promise<AckFrame | undefined> {
  const report = await deliver(frame.topic, message.body, { ...deps, settings: deps.config.fanOut });
  return frame.id === undefined ? undefined : { type: 'ack', id: frame.id, delivered: report.delivered };
}

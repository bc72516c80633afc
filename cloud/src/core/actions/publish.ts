import type { AckFrame, PublishFrame } from '@topic-bridge/shared-types';
import type { IncomingMessage, MessageDeps } from '../message-context.js';
import { deliver } from '../publish.js';

/**
 * Fans the frame out, exactly as received, to the topic's subscribers; with an `id`, answers the sender
 * with an ack once this invocation's posts have settled: `delivered` (accepted by API Gateway), `subscribers`
 * (found) and `queued` (handed to the fan-out worker, delivered after the ack).
 */
export async function publish(
  frame: PublishFrame,
  message: IncomingMessage,
  deps: MessageDeps,
): Promise<AckFrame | undefined> {
  const report = await deliver(frame.topic, message.body, { ...deps, settings: deps.config.fanOut });
  if (frame.id === undefined) return undefined;
  const { delivered, subscribers, queued } = report;
  return { type: 'ack', id: frame.id, delivered, subscribers, queued };
}

import {
  type AckFrame,
  type ErrorFrame,
  errorFrame,
  type PublishFrame,
  publishAllowed,
} from '@topic-bridge/shared-types';
import type { IncomingMessage, MessageDeps } from '../message-context.js';
import { deliver } from '../publish.js';
import { recordRetained } from './retained.js';

/**
 * Refused with `forbidden` (nothing looked up, nothing broadcast) when no `publish` grant matches the topic.
 * Otherwise fans the frame out, exactly as received, to the topic's subscribers; with an `id`, answers the
 * sender with an ack once this invocation's posts have settled: `delivered` (accepted by API Gateway),
 * `subscribers` (found) and `queued` (handed to the fan-out worker, delivered after the ack).
 */
export async function publish(
  frame: PublishFrame,
  message: IncomingMessage,
  deps: MessageDeps,
): Promise<AckFrame | ErrorFrame | undefined> {
  if (!publishAllowed(message.grants.publish, frame.topic)) {
    deps.logger.warn('publish forbidden', { connectionId: message.connectionId, topic: frame.topic });
    return errorFrame('forbidden', `your token does not allow publishing to "${frame.topic}"`, frame.id);
  }
  if (deps.retained !== undefined) {
    const receivedAtMs = message.receivedAtMs ?? (deps.now ?? Date.now)();
    await recordRetained(frame, message.body, receivedAtMs, { ...deps.retained, logger: deps.logger });
  }
  const report = await deliver(frame.topic, message.body, { ...deps, settings: deps.config.fanOut });
  if (frame.id === undefined) return undefined;
  const { delivered, subscribers, queued } = report;
  return { type: 'ack', id: frame.id, delivered, subscribers, queued };
}

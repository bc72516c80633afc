import { type AckFrame, type ErrorFrame, errorFrame, type PublishFrame } from '@topic-bridge/shared-types';
import type { IncomingMessage, MessageDeps } from '../message-context.js';
import { publishFrame } from '../publish-frame.js';

/**
 * Publishes a WebSocket frame through the one publish path (publish-frame.ts), exactly as received. With an
 * `id`, answers the sender with an ack once this invocation's posts have settled: `delivered` (accepted by
 * API Gateway), `subscribers` (found) and `queued` (handed to the fan-out worker, delivered after the ack);
 * a refusal (`forbidden`: nothing stored or broadcast) is answered with an error frame.
 */
export async function publish(
  frame: PublishFrame,
  message: IncomingMessage,
  deps: MessageDeps,
): Promise<AckFrame | ErrorFrame | undefined> {
  const outcome = await publishFrame(
    frame,
    message.body,
    message.grants,
    { connectionId: message.connectionId },
    {
      ...deps,
      settings: deps.config.fanOut,
      ...(message.receivedAtMs === undefined ? {} : { receivedAtMs: message.receivedAtMs }),
    },
  );
  if (!outcome.ok) return errorFrame(outcome.error.code, outcome.error.reason, frame.id);
  if (frame.id === undefined) return undefined;
  const { delivered, subscribers, queued, failed } = outcome.report;
  const ack: AckFrame = { type: 'ack', id: frame.id, delivered, subscribers, queued };
  return failed > 0 ? { ...ack, failed } : ack;
}

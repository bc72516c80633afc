import {
  type ErrorFrame,
  errorFrame,
  MAX_RETAINED_PER_REQUEST,
  type PublishFrame,
  type RetainedReplyFrame,
  type RetainedRequestFrame,
  subscribeAllowed,
} from '@topic-bridge/shared-types';
import { RETAINED_TOMBSTONE_TTL_SECONDS } from '../../config.js';
import type { Logger } from '../../log.js';
import type { IncomingMessage, MessageDeps, Outgoing } from '../message-context.js';
import { type RetainedSelection, type RetainedStore, retainedChange, selectRetained } from '../retained.js';

/** What the retained steps need: the store, the values' TTL, a clock and a logger. */
export interface RetainedDeps {
  store: RetainedStore;
  ttlSeconds: number;
  logger: Logger;
  now?: () => number;
}

/**
 * The retain step of a publish (publish-frame.ts): with `"retain": true`, keeps the frame as its topic's last
 * value (or clears it when `message` is null) unless a newer value is already kept. Rejects with a
 * StoreUnavailableError when the store fails, before anything is delivered: the publisher gets
 * `store_unavailable` and its retry is delivered once (docs/PROTOCOL.md, "Retained values").
 * `receivedAtMs`: when API Gateway received the frame (its request time), which orders concurrent writes.
 */
export async function recordRetained(
  frame: PublishFrame,
  frameText: string,
  receivedAtMs: number,
  deps: RetainedDeps,
): Promise<void> {
  const change = retainedChange(frame, frameText, receivedAtMs, {
    ttlSeconds: deps.ttlSeconds,
    tombstoneTtlSeconds: RETAINED_TOMBSTONE_TTL_SECONDS,
  });
  if (change === undefined) return;
  const outcome = await deps.store.apply(change);
  if (outcome === 'superseded') {
    // Normal under concurrency: a newer publish to the topic was kept first. This one is still delivered live.
    deps.logger.info('retained value superseded', { topic: frame.topic, version: change.item.version });
  }
}

/** The retained frames of every topic `filter` matches, newest first, at most MAX_RETAINED_PER_REQUEST. */
export async function retainedFramesFor(filter: string, deps: RetainedDeps): Promise<RetainedSelection> {
  const read = await deps.store.read(filter);
  const selection = selectRetained(read.items, filter, {
    nowMs: (deps.now ?? Date.now)(),
    max: MAX_RETAINED_PER_REQUEST,
    readIncomplete: read.readIncomplete,
  });
  deps.logger.debug('retained lookup', {
    filter,
    read: read.items.length,
    frames: selection.frames.length,
    truncated: selection.truncated,
    readUnits: read.readUnits,
  });
  return selection;
}

/**
 * `retained`: the retained values of a filter, for filters given at connect time (API Gateway cannot post
 * during `$connect`, so the client asks right after the connection opens). Refused with `forbidden` when no
 * `subscribe` grant covers the filter. Answered `retained` (count, truncated) and then the frames.
 */
export async function retained(
  frame: RetainedRequestFrame,
  message: IncomingMessage,
  deps: MessageDeps,
): Promise<Outgoing[] | ErrorFrame> {
  if (!subscribeAllowed(message.grants.subscribe, frame.topic)) {
    deps.logger.warn('retained forbidden', { connectionId: message.connectionId, filter: frame.topic });
    return errorFrame('forbidden', `your token does not allow subscribing to "${frame.topic}"`, frame.id);
  }
  const retainedDeps = retainedDepsOf(deps);
  const selection =
    retainedDeps === undefined
      ? { frames: [], truncated: false }
      : await retainedFramesFor(frame.topic, retainedDeps);
  const reply: RetainedReplyFrame = {
    type: 'retained',
    topic: frame.topic,
    ...(frame.id === undefined ? {} : { id: frame.id }),
    count: selection.frames.length,
    ...(selection.truncated ? { truncated: true } : {}),
  };
  return [reply, ...selection.frames];
}

/** The retained steps' collaborators from a message's, or undefined when the bridge keeps no retained values. */
export function retainedDepsOf(deps: MessageDeps): RetainedDeps | undefined {
  if (deps.retained === undefined) return undefined;
  return { ...deps.retained, logger: deps.logger, ...(deps.now === undefined ? {} : { now: deps.now }) };
}

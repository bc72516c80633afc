import type { ErrorCode } from './error-codes.js';

/**
 * The frames of the topic-bridge wire protocol. `docs/PROTOCOL.md` is the human-readable contract;
 * these types are the same contract for the compiler.
 */

/** Any JSON value: the payload of a publish frame is opaque to the bridge. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * A publish: delivered whole, byte for byte as received, to every connection whose filter matches `topic`.
 * With an `id`, the sender receives an `ack` once the fan-out has finished.
 */
export interface PublishFrame {
  topic: string;
  message: JsonValue;
  id?: string;
  /**
   * Also keep this frame as the topic's last value, sent to later subscribers (`"message": null` clears it).
   * The frame is delivered live either way.
   */
  retain?: boolean;
  /**
   * Set by the bridge only, on a frame it delivers from storage rather than live (REPLAY_FIELD): a publisher
   * that sets it is refused with `invalid_field`.
   */
  replay?: ReplayKind;
  /** Any other fields are carried along untouched (for example the agent's `ts`, `device` and `seq`). */
  [extra: string]: JsonValue | undefined;
}

/** Adds a subscription filter to the connection at runtime. Answered with `subscribed`. */
export interface SubscribeFrame {
  action: 'subscribe';
  topic: string;
  id?: string;
}

/** Removes a subscription filter from the connection. Answered with `unsubscribed`. */
export interface UnsubscribeFrame {
  action: 'unsubscribe';
  topic: string;
  id?: string;
}

/** Keeps the connection alive through API Gateway's idle timeout. Answered with `pong`. */
export interface PingFrame {
  action: 'ping';
  id?: string;
}

/**
 * Asks for the retained frames of every topic a filter matches (the connection's connect-time filters get
 * theirs this way: API Gateway cannot post during `$connect`). Answered with `retained`, then the frames.
 */
export interface RetainedRequestFrame {
  action: 'retained';
  topic: string;
  id?: string;
}

/**
 * Asks for the frames published to the topics a filter matches after a point: a frame id (string) or epoch
 * milliseconds (number); none means the oldest kept. Answered with the frames, oldest first, then `history`.
 */
export interface HistoryRequestFrame {
  action: 'history';
  topic: string;
  since?: string | number;
  /** 1 to MAX_HISTORY_PER_REQUEST; DEFAULT_HISTORY_PER_REQUEST when absent. */
  limit?: number;
  id?: string;
}

/** The actions a client may name in `action`. */
export const CLIENT_ACTIONS = ['subscribe', 'unsubscribe', 'ping', 'retained', 'history'] as const;
/** One of CLIENT_ACTIONS. */
export type ClientAction = (typeof CLIENT_ACTIONS)[number];

/** An action frame, routed on `$request.body.action`. */
export type ActionFrame =
  | SubscribeFrame
  | UnsubscribeFrame
  | PingFrame
  | RetainedRequestFrame
  | HistoryRequestFrame;

/** How a frame delivered from storage is marked (its REPLAY_FIELD): a topic's last value or a catch-up. */
export type ReplayKind = 'retained' | 'history';

/** Anything a client may send. */
export type ClientFrame = PublishFrame | ActionFrame;

/**
 * Sent to the publisher after the fan-out of a frame that carried an `id`. A publish to more subscribers than
 * one invocation serves is split: `delivered` counts what was posted before the ack, `queued` what was handed
 * to the fan-out worker and is delivered after it (docs/PROTOCOL.md).
 */
export interface AckFrame {
  type: 'ack';
  id: string;
  /** How many connections the frame was posted to successfully before this ack. */
  delivered: number;
  /** Every subscriber found for the topic, each once (bridges before 0.2 omit it). */
  subscribers?: number;
  /** Subscribers handed to the fan-out worker, delivered after this ack (bridges before 0.2 omit it). */
  queued?: number;
  /**
   * Subscribers the frame could not be posted to after every retry (not counting connections found gone).
   * Present only when more than 0: sending the frame again (same id) reaches them, and those who already
   * have it drop the copy by id.
   */
  failed?: number;
}

/**
 * Confirms a runtime subscription. `retained` retained frames of the filter's topics follow it, newest
 * first, each marked `"replay":"retained"` (bridges without retained values omit the field).
 */
export interface SubscribedFrame {
  type: 'subscribed';
  topic: string;
  id?: string;
  /** How many retained frames follow this confirmation. */
  retained?: number;
  /** More retained topics matched than MAX_RETAINED_PER_REQUEST; only the newest were sent. */
  retainedTruncated?: boolean;
}

/** Answers a `retained` request: `count` retained frames follow, newest first, marked `"replay":"retained"`. */
export interface RetainedReplyFrame {
  type: 'retained';
  topic: string;
  id?: string;
  count: number;
  /** More retained topics matched than MAX_RETAINED_PER_REQUEST; only the newest were sent. */
  truncated?: boolean;
}

/**
 * Ends the answer to a `history` request: `count` frames were sent before it, oldest first, each marked
 * `"replay":"history"`.
 */
export interface HistoryReplyFrame {
  type: 'history';
  topic: string;
  id?: string;
  count: number;
  /** Later frames exist past the limit: ask again with `since` set to the last id received. */
  more: boolean;
  /**
   * False when the `since` id is no longer kept (aged out or trimmed): the answer starts at the oldest kept
   * frame and frames may have been missed in between. Absent when `since` was not an id.
   */
  sinceFound?: boolean;
}

/** Confirms a runtime unsubscription (also sent when the filter was not held). */
export interface UnsubscribedFrame {
  type: 'unsubscribed';
  topic: string;
  id?: string;
}

/** The answer to a `ping` action. */
export interface PongFrame {
  type: 'pong';
  id?: string;
}

/** A refused frame: sent to its sender only; the connection stays open and nothing is broadcast. */
export interface ErrorFrame {
  type: 'error';
  code: ErrorCode;
  reason: string;
  id?: string;
}

/** The bridge's own replies, told apart by `type`. */
export type ReplyFrame =
  | AckFrame
  | SubscribedFrame
  | UnsubscribedFrame
  | PongFrame
  | RetainedReplyFrame
  | HistoryReplyFrame
  | ErrorFrame;

/**
 * An error frame as a client receives it. Its `code` may be one this version does not know yet (a newer
 * bridge added it): it is kept as the raw string, so an older client still settles the request it names.
 * `isErrorCode(frame.code)` tells the two apart.
 */
export interface ReceivedErrorFrame extends Omit<ErrorFrame, 'code'> {
  code: ErrorCode | (string & {});
}

/** A reply as a client receives it (an error frame may carry a code unknown to this version). */
export type ReceivedReplyFrame = Exclude<ReplyFrame, ErrorFrame> | ReceivedErrorFrame;

/** Anything a client may receive: a reply, or a publish frame from another (or the same) client. */
export type ServerFrame = ReceivedReplyFrame | PublishFrame;

/** True when the frame is an action (it has an `action` field). */
export function isActionFrame(frame: ClientFrame): frame is ActionFrame {
  return 'action' in frame && typeof frame.action === 'string';
}

/** True when a received frame is one of the bridge's replies: replies never carry `message`, publishes always do. */
export function isReplyFrame(frame: ServerFrame): frame is ReceivedReplyFrame {
  return !('message' in frame);
}

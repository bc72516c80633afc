import type { EventEmitter } from 'node:events';
import type { ReceivedErrorFrame, ServerFrame } from '@topic-bridge/shared-types';

/**
 * The output side of the agent, behind one small interface: the WebSocket link to the bridge implements it
 * today, and an AWS IoT Core (MQTT over mutual TLS) link can implement it too. A link moves frames and reports
 * what came back; it does not queue, retry or pace (the dispatcher does).
 */

/** Where the link is: `connected` means `send` will put a frame on the wire. */
export type LinkState = 'connecting' | 'connected' | 'disconnected' | 'stopped';

/** The events every link emits. */
export interface LinkEvents {
  /** The state changed; `detail` says why (for logs). */
  state: [state: LinkState, detail: string];
  /** The bridge acknowledged the frame with this id after delivering it to `delivered` subscribers. */
  ack: [id: string, delivered: number, failed: number];
  /** The bridge refused the frame with this id (`code` may be one newer than this agent). */
  reject: [id: string, code: ReceivedErrorFrame['code'], reason: string];
  /** Frames sent over a connection that closed before their ack: they must be sent again. */
  unacked: [ids: string[]];
  /** Any other frame from the bridge (a published frame, a confirmation). */
  frame: [frame: ServerFrame];
}

/** A connection to the bridge that reconnects by itself until stopped. */
export interface Link extends EventEmitter<LinkEvents> {
  readonly state: LinkState;
  /** Starts connecting (and reconnecting) in the background. */
  start(): void;
  /** Closes every connection and stops reconnecting. */
  stop(): Promise<void>;
  /** Puts one frame on the wire; false when not connected (nothing was sent). */
  send(id: string, text: string): boolean;
}

import type { JsonValue, PublishFrame, ReplayKind } from '@topic-bridge/shared-types';
import { describeMessage, type ShownFrame } from './frame-list.js';
import { describeValue, type LatestValue } from './latest-values.js';
import { numericReadings, type Reading } from './numeric.js';
import { describeTimeSource, type PlotTime, plotTime } from './plot-time.js';

/** What one received message becomes on the page: a time, chart readings, a latest value, a list entry. */
export interface MessageView {
  time: PlotTime;
  readings: Reading[];
  latest: LatestValue;
  shown: ShownFrame;
}

/** What the page reads of the client's `message` event (ReceivedMessage in @topic-bridge/client). */
export interface ShownMessage {
  topic: string;
  message: JsonValue;
  frame: PublishFrame;
  receivedAt: number;
  /** Set when the frame came from the bridge's storage rather than live. */
  replay?: ReplayKind | undefined;
}

/**
 * How the page shows a message: at its frame's `ts` (plot-time.ts), its numeric readings by unit, its
 * topic's latest value, and a list entry tagged `retained` / `history` when it came from the bridge's
 * storage and with the reason when its time is only the receipt time.
 */
export function viewMessage(message: ShownMessage): MessageView {
  const { topic, replay } = message;
  const time = plotTime(message.frame, message.receivedAt, replay !== undefined);
  const readings = numericReadings(topic, message.message);
  const stored = replay === undefined ? {} : { replay };
  return {
    time,
    readings,
    latest: {
      topic,
      text: describeValue(topic, message.message, readings),
      atMs: time.atMs,
      approximate: time.approximate,
      ...stored,
    },
    shown: {
      atMs: time.atMs,
      label: topic,
      text: describeMessage(message.message),
      kind: 'message',
      tags: [
        ...(replay === undefined ? [] : [replay]),
        ...(time.approximate ? [describeTimeSource(time.source)] : []),
      ],
    },
  };
}

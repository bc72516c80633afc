import { MAX_FRAME_BYTES, utf8Bytes, validatePublishTopic } from '@topic-bridge/shared-types';
import type { Reading } from '../inputs/input.js';

/**
 * Turns a reading into the frame the agent queues and sends: the reading's topic and message, plus
 * `id` (`<device>-<seq>`, stable across resends so receivers can drop duplicates), `ts` (read time, ms since
 * the epoch), `device`, `seq`, and `clock: "unsynced"` when the clock was not yet synchronised or
 * `clock: "behind"` when it reads earlier than a reading already stamped (stepped back).
 */

export interface StampContext {
  device: string;
  seq: number;
  now: number;
  clockSynced: boolean;
  /** The timestamp lies behind one already stamped: the clock was stepped back (see clock.ts). */
  clockBehind?: boolean;
}

/** A stamped frame's text, or why the reading cannot be sent. */
export type StampResult = { ok: true; text: string; id: string } | { ok: false; reason: string };

/** Stamps and serialises a reading, refusing an invalid topic or a frame over MAX_FRAME_BYTES. */
export function stampReading(reading: Reading, context: StampContext): StampResult {
  const topic = validatePublishTopic(reading.topic);
  if (!topic.ok) return { ok: false, reason: topic.error.reason };
  const id = `${context.device}-${context.seq}`;
  const frame: Record<string, unknown> = {
    topic: topic.value,
    message: reading.message,
    id,
    ts: reading.readAt ?? context.now,
    device: context.device,
    seq: context.seq,
  };
  if (!context.clockSynced) frame.clock = 'unsynced';
  else if (context.clockBehind) frame.clock = 'behind';
  let text: string;
  try {
    text = JSON.stringify(frame);
  } catch (error) {
    return { ok: false, reason: `the message cannot be serialised as JSON: ${String(error)}` };
  }
  const bytes = utf8Bytes(text);
  if (bytes > MAX_FRAME_BYTES) {
    return {
      ok: false,
      reason: `the frame would be ${bytes} bytes; the bridge accepts at most ${MAX_FRAME_BYTES} bytes (topic ${topic.value})`,
    };
  }
  return { ok: true, text, id };
}

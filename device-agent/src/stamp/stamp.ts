import { MAX_FRAME_BYTES, validatePublishTopic } from '@topic-bridge/shared-types';
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

/** A stamped frame (its text, and the same as UTF-8 bytes for the queue), or why it cannot be sent. */
export type StampResult =
  | { ok: true; text: string; bytes: Buffer; id: string }
  | { ok: false; reason: string };

/**
 * Topics found valid lately: a gateway publishes to a handful of topics, so the full check (length in bytes,
 * control characters, surrogates, levels, wildcards) runs once per topic instead of once per reading. Cleared
 * when it reaches this many, so memory stays bounded whatever the topics.
 */
export const VALID_TOPIC_CACHE_SIZE = 1024;
const validTopics = new Set<string>();

function checkTopic(topic: string): { ok: true } | { ok: false; reason: string } {
  if (validTopics.has(topic)) return { ok: true };
  const checked = validatePublishTopic(topic);
  if (!checked.ok) return { ok: false, reason: checked.error.reason };
  if (validTopics.size >= VALID_TOPIC_CACHE_SIZE) validTopics.clear();
  validTopics.add(topic);
  return { ok: true };
}

/** Stamps and serialises a reading, refusing an invalid topic or a frame over MAX_FRAME_BYTES. */
export function stampReading(reading: Reading, context: StampContext): StampResult {
  const topic = checkTopic(reading.topic);
  if (!topic.ok) return { ok: false, reason: topic.reason };
  const id = `${context.device}-${context.seq}`;
  const frame: Record<string, unknown> = {
    topic: reading.topic,
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
  // Encoded once: the size check and the queue both use these bytes.
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.byteLength > MAX_FRAME_BYTES) {
    return {
      ok: false,
      reason: `the frame would be ${bytes.byteLength} bytes; the bridge accepts at most ${MAX_FRAME_BYTES} bytes (topic ${reading.topic})`,
    };
  }
  return { ok: true, text, bytes, id };
}

import { encodePublishFrame } from '@topic-bridge/shared-types';
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

/**
 * A stamped frame (its text, which the queue writes as UTF-8 straight into its record), or why it cannot be
 * sent.
 */
export type StampResult = { ok: true; text: string; id: string } | { ok: false; reason: string };

/** Stamps and serialises a reading with the shared encoder, refusing what the bridge would refuse. */
export function stampReading(reading: Reading, context: StampContext): StampResult {
  const id = `${context.device}-${context.seq}`;
  const clock = !context.clockSynced ? 'unsynced' : context.clockBehind ? 'behind' : undefined;
  const encoded = encodePublishFrame({
    topic: reading.topic,
    message: reading.message,
    id,
    extra: { ts: reading.readAt ?? context.now, device: context.device, seq: context.seq, clock },
  });
  if (!encoded.ok) return { ok: false, reason: encoded.error.reason };
  return { ok: true, text: encoded.value.text, id };
}

import {
  type JsonValue,
  MAX_FRAME_BYTES,
  type PublishFrame,
  type Rejection,
  utf8Bytes,
  validatePublishTopic,
} from '@topic-bridge/shared-types';
import type { LocalErrorCode } from './errors.js';

/** Why a publish was refused before sending: the bridge's code for the same fault, or a local one. */
export interface EncodeRejection {
  code: Rejection['code'] | LocalErrorCode;
  reason: string;
}

/**
 * Encodes a publish frame after the checks the bridge would make (topic grammar, no wildcard, a message,
 * the size limit), so that a bad frame is refused here with the same code rather than by the bridge.
 */
export function encodePublish(
  topic: string,
  message: JsonValue,
  id: string,
  retain?: boolean,
): { ok: true; text: string } | { ok: false; error: EncodeRejection } {
  const checked = validatePublishTopic(topic);
  if (!checked.ok) return checked;
  if (message === undefined) return refuse('missing_message', 'publish() needs a message');
  let text: string;
  try {
    const frame: PublishFrame =
      retain === undefined ? { topic, message, id } : { topic, message, id, retain };
    text = JSON.stringify(frame);
  } catch (cause) {
    return refuse('invalid_message', `the message cannot be sent as JSON: ${String(cause)}`);
  }
  const bytes = utf8Bytes(text);
  if (bytes > MAX_FRAME_BYTES) {
    return refuse('message_too_large', `the frame is ${bytes} bytes; the limit is ${MAX_FRAME_BYTES} bytes`);
  }
  return { ok: true, text };
}

function refuse(code: EncodeRejection['code'], reason: string): { ok: false; error: EncodeRejection } {
  return { ok: false, error: { code, reason } };
}

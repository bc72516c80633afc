import type { ErrorCode } from './error-codes.js';
import { MAX_FRAME_BYTES, MAX_JSON_DEPTH, REPLAY_FIELD } from './limits.js';
import type { JsonValue, PublishFrame, ReplayKind } from './protocol.js';
import { validatePublishTopic } from './topics.js';
import { utf8Bytes } from './utf8.js';
import { jsonNestingDepth } from './validate.js';

/**
 * The one way a publish frame is built, for every publisher (the client library, the agent's stamping, the
 * IoT bridge, HTTP publish): the same field order, the same checks as the bridge makes, the same codes.
 */

/** What a publish frame carries. */
export interface PublishFields {
  topic: string;
  message: JsonValue;
  id?: string;
  retain?: boolean;
  /**
   * Fields carried along after the standard ones, in this order (the agent's `ts`, `device`, `seq`,
   * `clock`). Undefined values are left out. They may not replace a standard field or set REPLAY_FIELD.
   */
  extra?: Readonly<Record<string, JsonValue | undefined>>;
}

/** Why a frame cannot be built: the bridge's code for the same fault, or `invalid_message` (not JSON). */
export interface EncodeRejection {
  code: ErrorCode | 'invalid_message';
  reason: string;
  /** With `message_too_large`: the size the frame would have had, in UTF-8 bytes. */
  bytes?: number;
}

/** A frame ready to send: its exact text (what the bridge fans out byte for byte) and its size. */
export interface EncodedFrame {
  text: string;
  bytes: number;
}

const STANDARD_FIELDS: ReadonlySet<string> = new Set(['topic', 'message', 'id', 'retain', REPLAY_FIELD]);

/**
 * Builds a publish frame's text, refusing what the bridge would refuse (topic grammar, wildcards, a missing
 * message, nesting past MAX_JSON_DEPTH, more than MAX_FRAME_BYTES) with the bridge's code, so a bad frame is
 * refused where it is made. Never throws.
 */
export function encodePublishFrame(
  fields: PublishFields,
): { ok: true; value: EncodedFrame } | { ok: false; error: EncodeRejection } {
  const topic = validatePublishTopic(fields.topic);
  if (!topic.ok) return topic;
  if (fields.message === undefined) return refuse('missing_message', 'a publish needs a message');
  const frame: Record<string, JsonValue | undefined> = { topic: topic.value, message: fields.message };
  if (fields.id !== undefined) frame.id = fields.id;
  if (fields.retain !== undefined) frame.retain = fields.retain;
  const extra = fields.extra;
  // for…in with an own-property check: Object.entries would build an array per field, per frame.
  for (const name in extra) {
    if (!Object.hasOwn(extra, name)) continue;
    if (STANDARD_FIELDS.has(name)) {
      return refuse('invalid_field', `"${name}" cannot be set as an extra field of a publish`);
    }
    const value = extra[name];
    if (value !== undefined) frame[name] = value;
  }
  let text: string;
  try {
    text = JSON.stringify(frame satisfies Partial<PublishFrame>);
  } catch (cause) {
    return refuse('invalid_message', `the message cannot be sent as JSON: ${String(cause)}`);
  }
  if (jsonNestingDepth(text) > MAX_JSON_DEPTH) {
    return refuse(
      'nesting_too_deep',
      `the message nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels`,
    );
  }
  const bytes = utf8Bytes(text);
  if (bytes > MAX_FRAME_BYTES) {
    const reason = `the frame would be ${bytes} bytes; the bridge accepts at most ${MAX_FRAME_BYTES} bytes (topic ${topic.value})`;
    return { ok: false, error: { code: 'message_too_large', reason, bytes } };
  }
  return { ok: true, value: { text, bytes } };
}

/**
 * Marks a stored frame's text as delivered from storage: adds `"replay":"retained"` or `"replay":"history"`
 * as its last field, without parsing or re-serialising the rest, so the frame stays byte for byte what its
 * publisher sent apart from the mark. The text must be a publish frame as the bridge accepted it (a JSON
 * object with at least `topic` and `message`, no `replay`).
 */
export function markReplay(frameText: string, kind: ReplayKind): string {
  const end = frameText.lastIndexOf('}');
  if (end < 0) throw new TypeError('markReplay needs the text of a JSON object');
  return `${frameText.slice(0, end)},"${REPLAY_FIELD}":"${kind}"${frameText.slice(end)}`;
}

function refuse(code: EncodeRejection['code'], reason: string): { ok: false; error: EncodeRejection } {
  return { ok: false, error: { code, reason } };
}

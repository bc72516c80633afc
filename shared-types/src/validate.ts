import type { ErrorCode } from './error-codes.js';
import {
  MAX_FILTERS_PER_CONNECTION,
  MAX_FRAME_BYTES,
  MAX_HISTORY_PER_REQUEST,
  MAX_ID_LENGTH,
  MAX_JSON_DEPTH,
  REPLAY_FIELD,
} from './limits.js';
import {
  CLIENT_ACTIONS,
  type ClientAction,
  type ClientFrame,
  type ErrorFrame,
  type ServerFrame,
} from './protocol.js';
import { ok, type Rejection, type Result, reject } from './result.js';
import { validatePublishTopic, validateTopicFilter } from './topics.js';
import { utf8Bytes } from './utf8.js';

/** A refused client frame, with the frame's `id` when it had a valid one, so the error can be matched. */
export interface FrameRejection extends Rejection {
  id?: string;
}

// Past this size a frame is not even parsed to look for its id: it is refused as too large either way.
const MAX_BYTES_PARSED_FOR_ID = 4 * MAX_FRAME_BYTES;

type PlainObject = Record<string, unknown>;

function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates an optional frame id: absent, or a string of 1 to MAX_ID_LENGTH characters. */
export function validateFrameId(id: unknown): Result<string | undefined> {
  if (id === undefined) return ok(undefined);
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
    return reject('invalid_id', `"id" must be a string of 1 to ${MAX_ID_LENGTH} characters`);
  }
  return ok(id);
}

function failWith(rejection: Rejection, id: string | undefined): { ok: false; error: FrameRejection } {
  return { ok: false, error: id === undefined ? rejection : { ...rejection, id } };
}

/**
 * How deeply the JSON text nests objects and arrays, counted without parsing (brackets inside strings do
 * not count), so that a hostile `[[[[…` is refused before any parser or recursive code walks it.
 */
export function jsonNestingDepth(raw: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x22) {
      // Jump to the string's closing quote with the native indexOf: strings are most of a frame's text, and
      // a loop over their characters cost ~6 ns each on the development VM. An unterminated string ends it.
      i = closingQuote(raw, i);
      if (i < 0) break;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return deepest;
}

/**
 * Where the string opened at `open` ends, or -1: the next quote not escaped, that is with an even number of
 * backslashes right before it (each pair is one escaped backslash), inside the string.
 */
function closingQuote(raw: string, open: number): number {
  for (let quote = raw.indexOf('"', open + 1); quote >= 0; quote = raw.indexOf('"', quote + 1)) {
    let backslashes = 0;
    while (quote - backslashes - 1 > open && raw.charCodeAt(quote - backslashes - 1) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return quote;
  }
  return -1;
}

/**
 * Parses and validates a frame sent by a client. Never throws: a bad frame yields a rejection with a
 * stable code, a reason, and the frame's id when one could be read.
 *
 * Keys such as `__proto__` and `constructor` change no prototype: JSON.parse defines them as own data
 * properties, the frame is forwarded as the text received, and nothing merges it into another object.
 */
export function parseClientFrame(raw: string): Result<ClientFrame, FrameRejection> {
  const bytes = utf8Bytes(raw);
  if (bytes <= MAX_BYTES_PARSED_FOR_ID && jsonNestingDepth(raw) > MAX_JSON_DEPTH) {
    return reject(
      'nesting_too_deep',
      `the frame nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels`,
    );
  }
  let parsed: unknown;
  try {
    parsed = bytes <= MAX_BYTES_PARSED_FOR_ID ? JSON.parse(raw) : undefined;
  } catch {
    return reject('malformed_json', 'the frame is not valid JSON');
  }
  const idResult = isPlainObject(parsed) ? validateFrameId(parsed.id) : ok(undefined);
  const id = idResult.ok ? idResult.value : undefined;
  if (bytes > MAX_FRAME_BYTES) {
    return failWith(
      {
        code: 'message_too_large',
        reason: `the frame is ${bytes} bytes; the limit is ${MAX_FRAME_BYTES} bytes`,
      },
      id,
    );
  }
  if (!isPlainObject(parsed)) {
    return reject('not_an_object', 'the frame must be a JSON object such as {"topic":"t","message":1}');
  }
  if (!idResult.ok) return idResult;
  if ('action' in parsed) return parseActionFrame(parsed, id);
  return parsePublishFrame(parsed, id);
}

function parsePublishFrame(frame: PlainObject, id: string | undefined): Result<ClientFrame, FrameRejection> {
  if (!('topic' in frame)) {
    return failWith({ code: 'invalid_topic', reason: 'the frame has no "topic" (and no "action")' }, id);
  }
  const topic = validatePublishTopic(frame.topic);
  if (!topic.ok) return failWith(topic.error, id);
  if (!('message' in frame) || frame.message === undefined) {
    return failWith({ code: 'missing_message', reason: 'a publish frame needs a "message" field' }, id);
  }
  if ('retain' in frame && typeof frame.retain !== 'boolean') {
    return failWith({ code: 'invalid_field', reason: '"retain" must be true or false' }, id);
  }
  if (REPLAY_FIELD in frame) {
    return failWith(
      {
        code: 'invalid_field',
        reason: `"${REPLAY_FIELD}" is set by the bridge on frames it delivers from storage; remove it from the publish`,
      },
      id,
    );
  }
  return ok(frame as ClientFrame);
}

function parseActionFrame(frame: PlainObject, id: string | undefined): Result<ClientFrame, FrameRejection> {
  const action = frame.action;
  if (typeof action !== 'string' || !(CLIENT_ACTIONS as readonly string[]).includes(action)) {
    const shown = typeof action === 'string' ? `"${action.slice(0, 40)}"` : typeof action;
    return failWith(
      {
        code: 'unknown_action',
        reason: `unknown action ${shown}; known actions: ${CLIENT_ACTIONS.join(', ')}`,
      },
      id,
    );
  }
  const withId = id === undefined ? {} : { id };
  if ((action as ClientAction) === 'ping') return ok({ action: 'ping', ...withId });
  const filter = validateTopicFilter(frame.topic);
  if (!filter.ok) return failWith(filter.error, id);
  if ((action as ClientAction) === 'history') return parseHistoryRequest(frame, filter.value, id);
  return ok({ action: action as 'subscribe' | 'unsubscribe' | 'retained', topic: filter.value, ...withId });
}

function parseHistoryRequest(
  frame: PlainObject,
  topic: string,
  id: string | undefined,
): Result<ClientFrame, FrameRejection> {
  const { since, limit } = frame;
  const sinceIsId = typeof since === 'string' && since.length > 0 && since.length <= MAX_ID_LENGTH;
  const sinceIsTime = typeof since === 'number' && Number.isSafeInteger(since) && since >= 0;
  if (since !== undefined && !sinceIsId && !sinceIsTime) {
    return failWith(
      {
        code: 'invalid_field',
        reason: `"since" must be a frame id (a string of 1 to ${MAX_ID_LENGTH} characters) or a time in epoch milliseconds (a whole number ≥ 0)`,
      },
      id,
    );
  }
  if (
    limit !== undefined &&
    !(Number.isInteger(limit) && (limit as number) >= 1 && (limit as number) <= MAX_HISTORY_PER_REQUEST)
  ) {
    return failWith(
      {
        code: 'invalid_field',
        reason: `"limit" must be a whole number from 1 to ${MAX_HISTORY_PER_REQUEST}`,
      },
      id,
    );
  }
  return ok({
    action: 'history',
    topic,
    ...(since === undefined ? {} : { since: since as string | number }),
    ...(limit === undefined ? {} : { limit: limit as number }),
    ...(id === undefined ? {} : { id }),
  });
}

/**
 * Validates the topic filters given at connect time (`?topicName=a&topicName=b`): each must be a valid
 * filter, duplicates are dropped, and there may be at most MAX_FILTERS_PER_CONNECTION. None is valid too
 * (a publish-only connection).
 */
export function validateConnectFilters(filters: readonly unknown[]): Result<string[]> {
  const unique = new Set<string>();
  for (const filter of filters) {
    const checked = validateTopicFilter(filter);
    if (!checked.ok) return checked;
    unique.add(checked.value);
  }
  if (unique.size > MAX_FILTERS_PER_CONNECTION) {
    return reject(
      'too_many_subscriptions',
      `at most ${MAX_FILTERS_PER_CONNECTION} topic filters per connection`,
    );
  }
  return ok([...unique]);
}

/** Builds an error frame for the sender of a refused frame. */
export function errorFrame(code: ErrorCode, reason: string, id?: string): ErrorFrame {
  return id === undefined ? { type: 'error', code, reason } : { type: 'error', code, reason, id };
}

/** Why a frame received from the bridge was not understood (for clients; never sent on the wire). */
export interface UnexpectedFrame {
  reason: string;
}

const REPLY_TYPES = ['ack', 'subscribed', 'unsubscribed', 'pong', 'retained', 'history', 'error'] as const;

/**
 * Parses a frame received from the bridge: a published message (it has `topic` and `message`) or one of the
 * bridge's replies. Never throws; clients report a rejection as an event rather than crash.
 */
export function parseServerFrame(raw: string): Result<ServerFrame, UnexpectedFrame> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { ok: false, error: { reason: 'the frame is not valid JSON' } };
  }
  if (!isPlainObject(parsed)) return { ok: false, error: { reason: 'the frame is not a JSON object' } };
  if ('message' in parsed) {
    return typeof parsed.topic === 'string'
      ? ok(parsed as ServerFrame)
      : { ok: false, error: { reason: 'a published frame without a string "topic"' } };
  }
  const problem = replyProblem(parsed);
  return problem === undefined ? ok(parsed as ServerFrame) : { ok: false, error: { reason: problem } };
}

// The optional counts of an ack, one array for every ack an agent or client checks (not one per ack).
const ACK_COUNT_FIELDS = ['subscribers', 'queued', 'failed'] as const;

function replyProblem(frame: PlainObject): string | undefined {
  const type = frame.type;
  if (typeof type !== 'string' || !(REPLY_TYPES as readonly string[]).includes(type)) {
    return `unknown frame type ${JSON.stringify(type)}`;
  }
  if (frame.id !== undefined && typeof frame.id !== 'string') return `a "${type}" frame with a non-string id`;
  switch (type) {
    case 'ack':
      if (typeof frame.id !== 'string' || typeof frame.delivered !== 'number') {
        return 'an "ack" frame needs a string "id" and a number "delivered"';
      }
      // Older bridges send neither; when present they are counts.
      for (const field of ACK_COUNT_FIELDS) {
        if (frame[field] !== undefined && typeof frame[field] !== 'number') {
          return `an "ack" frame's "${field}", when present, must be a number`;
        }
      }
      return undefined;
    case 'subscribed':
      if (typeof frame.topic !== 'string') return 'a "subscribed" frame needs a string "topic"';
      // Bridges without retained values send neither field.
      if (frame.retained !== undefined && typeof frame.retained !== 'number') {
        return 'a "subscribed" frame\'s "retained", when present, must be a number';
      }
      return undefined;
    case 'unsubscribed':
      return typeof frame.topic === 'string' ? undefined : `a "${type}" frame needs a string "topic"`;
    case 'retained':
      return typeof frame.topic === 'string' && typeof frame.count === 'number'
        ? undefined
        : 'a "retained" frame needs a string "topic" and a number "count"';
    case 'history':
      return typeof frame.topic === 'string' &&
        typeof frame.count === 'number' &&
        typeof frame.more === 'boolean'
        ? undefined
        : 'a "history" frame needs a string "topic", a number "count" and a boolean "more"';
    case 'error':
      // Any non-empty code is accepted: a code added by a newer bridge must not make this client drop
      // the frame (and with it the request the frame's id settles).
      return typeof frame.code === 'string' && frame.code !== '' && typeof frame.reason === 'string'
        ? undefined
        : 'an "error" frame needs a string "code" and a string "reason"';
    default:
      return undefined;
  }
}
